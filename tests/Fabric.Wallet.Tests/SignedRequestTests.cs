using System.Buffers.Binary;
using System.Text;

namespace Fabric.Wallet.Tests;

public sealed class SignedRequestTests
{
    private const string Network = "fabric-test";
    private static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly Keypair alice = Keypair.FromSecretSeed(Enumerable.Repeat((byte)1, 32).ToArray());
    private readonly Keypair mallory = Keypair.FromSecretSeed(Enumerable.Repeat((byte)2, 32).ToArray());

    private static SignedRequest Transfer(Keypair signer, string network = Network) =>
        SignedRequest.Sign(signer, network, "wallet.transfer", new byte[] { 1, 2, 3 }, Now.AddMinutes(2));

    [Fact]
    public void Signed_request_verifies()
    {
        var request = Transfer(alice);

        Assert.Equal(SignedRequest.DomainTag, request.Domain);
        Assert.Equal(alice.Address, request.Signer);
        Assert.Equal(64, request.Signature.Length);
        Assert.Equal(RequestVerification.Valid, request.Verify(Network, Now));
        Assert.Equal(RequestVerification.Valid, request.Verify(Network, Now, expectedSigner: alice.Address));
    }

    [Fact]
    public void Each_request_gets_a_fresh_id_unless_one_is_given()
    {
        var id = Guid.NewGuid();
        Assert.NotEqual(Transfer(alice).RequestId, Transfer(alice).RequestId);
        Assert.Equal(id, SignedRequest.Sign(alice, Network, "op", ReadOnlyMemory<byte>.Empty, Now.AddMinutes(1), id).RequestId);
    }

    [Fact]
    public void Tampered_payload_is_a_bad_signature()
    {
        var request = Transfer(alice) with { Payload = new byte[] { 1, 2, 4 } };
        Assert.Equal(RequestVerification.BadSignature, request.Verify(Network, Now));
    }

    [Fact]
    public void Tampered_fields_are_bad_signatures()
    {
        var request = Transfer(alice);
        Assert.Equal(RequestVerification.BadSignature, (request with { Operation = "wallet.burn" }).Verify(Network, Now));
        Assert.Equal(RequestVerification.BadSignature, (request with { RequestId = Guid.NewGuid() }).Verify(Network, Now));
        Assert.Equal(RequestVerification.BadSignature, (request with { ExpiresAtUnixMs = request.ExpiresAtUnixMs + 1 }).Verify(Network, Now));
    }

    [Fact]
    public void Signature_by_another_key_under_the_claimed_signer_is_a_bad_signature()
    {
        var forged = Transfer(mallory) with { Signer = alice.Address };
        Assert.Equal(RequestVerification.BadSignature, forged.Verify(Network, Now));
        Assert.Equal(RequestVerification.BadSignature, forged.Verify(Network, Now, expectedSigner: alice.Address));
    }

    [Fact]
    public void Request_from_another_signer_than_required_is_wrong_signer()
    {
        Assert.Equal(RequestVerification.WrongSigner, Transfer(mallory).Verify(Network, Now, expectedSigner: alice.Address));
    }

    [Fact]
    public void Request_is_expired_from_its_expiry_millisecond_on()
    {
        var request = Transfer(alice);
        Assert.Equal(RequestVerification.Valid, request.Verify(Network, request.ExpiresAt.AddMilliseconds(-1)));
        Assert.Equal(RequestVerification.Expired, request.Verify(Network, request.ExpiresAt));
        Assert.Equal(RequestVerification.Expired, request.Verify(Network, request.ExpiresAt.AddDays(1)));
    }

    [Fact]
    public void Request_for_another_network_is_wrong_network()
    {
        Assert.Equal(RequestVerification.WrongNetwork, Transfer(alice, "fabric-main").Verify(Network, Now));
    }

    [Fact]
    public void Request_with_another_domain_is_wrong_domain()
    {
        Assert.Equal(RequestVerification.WrongDomain, (Transfer(alice) with { Domain = "fabric-request-v2" }).Verify(Network, Now));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(63)]
    [InlineData(65)]
    public void Signature_of_wrong_length_is_malformed(int length)
    {
        var request = Transfer(alice) with { Signature = new byte[length] };
        Assert.Equal(RequestVerification.Malformed, request.Verify(Network, Now));
    }

    [Fact]
    public void Broken_fields_are_malformed_not_exceptions()
    {
        var request = Transfer(alice);
        Assert.Equal(RequestVerification.Malformed, (request with { Operation = "" }).Verify(Network, Now));
        Assert.Equal(RequestVerification.Malformed, (request with { Operation = null! }).Verify(Network, Now));
        Assert.Equal(RequestVerification.Malformed, (request with { NetworkId = "\ud800" }).Verify(Network, Now));
        Assert.Equal(RequestVerification.Malformed, (request with { Domain = new string('d', 129) }).Verify(Network, Now));
        Assert.Equal(RequestVerification.Malformed, (request with { ExpiresAtUnixMs = 0 }).Verify(Network, Now));
        Assert.Equal(RequestVerification.Malformed, (request with { Payload = new byte[(1024 * 1024) + 1] }).Verify(Network, Now));
    }

    [Fact]
    public void Signing_refuses_fields_outside_the_format()
    {
        var error = Assert.Throws<WalletException>(() => SignedRequest.Sign(alice, Network, "", ReadOnlyMemory<byte>.Empty, Now));
        Assert.Contains("operation is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signing_bytes_follow_the_documented_layout()
    {
        var id = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        var request = SignedRequest.Sign(alice, "net", "op.x", new byte[] { 9, 8 }, DateTimeOffset.FromUnixTimeMilliseconds(0x0102030405), id);

        var expected = new List<byte>();
        void Prefixed(byte[] field)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)field.Length);
            expected.AddRange(length);
            expected.AddRange(field);
        }

        Prefixed(Encoding.UTF8.GetBytes("fabric-request-v1"));
        Prefixed(Encoding.UTF8.GetBytes("net"));
        Prefixed(Encoding.UTF8.GetBytes("op.x"));
        Prefixed([9, 8]);
        expected.AddRange(alice.PublicKey);
        expected.AddRange(Convert.FromHexString("00112233445566778899aabbccddeeff"));
        expected.AddRange(new byte[] { 0, 0, 0, 1, 2, 3, 4, 5 });

        Assert.Equal(expected, request.GetSigningBytes());
        Assert.True(alice.Address.Verify(expected.ToArray(), request.Signature.Span));
    }

    [Fact]
    public void Moving_bytes_between_fields_changes_the_signing_bytes()
    {
        var id = Guid.NewGuid();
        var expiry = Now.AddMinutes(1);
        var a = SignedRequest.Sign(alice, "ab", "c", ReadOnlyMemory<byte>.Empty, expiry, id);
        var b = SignedRequest.Sign(alice, "a", "bc", ReadOnlyMemory<byte>.Empty, expiry, id);
        Assert.NotEqual(a.GetSigningBytes(), b.GetSigningBytes());
    }

    [Fact]
    public void ToString_shows_routing_fields()
    {
        var request = Transfer(alice);
        Assert.Contains("wallet.transfer", request.ToString(), StringComparison.Ordinal);
        Assert.Contains(alice.Address.ToString(), request.ToString(), StringComparison.Ordinal);
    }
}
