using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;

namespace Fabric.Wallet.Tests;

/// <summary>Property tests, run by plain FsCheck from ordinary facts (a failure throws with the shrunk case).</summary>
public sealed class SignatureProperties
{
    // The key comes from the generated input, so a failing case replays with the same key.
    private static Keypair KeyFrom(byte[] material) => Keypair.FromSecretSeed(SHA256.HashData(material));

    private static void Check200(Property property) => Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), property);

    [Fact]
    public void Signature_verifies_for_any_message() =>
        Check200(Prop.ForAll((NonNull<byte[]> keyMaterial, NonNull<byte[]> message) =>
        {
            var keypair = KeyFrom(keyMaterial.Get);
            var signature = keypair.Sign(message.Get);
            return Ed25519.Verify(keypair.PublicKey, message.Get, signature);
        }));

    [Fact]
    public void Flipping_any_signature_bit_fails_verification() =>
        Check200(Prop.ForAll((NonNull<byte[]> keyMaterial, NonNull<byte[]> message, uint bit) =>
        {
            var keypair = KeyFrom(keyMaterial.Get);
            var signature = keypair.Sign(message.Get);
            var index = (int)(bit % (Ed25519.SignatureSize * 8));
            signature[index / 8] ^= (byte)(1 << (index % 8));
            return !Ed25519.Verify(keypair.PublicKey, message.Get, signature);
        }));

    [Fact]
    public void Flipping_any_message_bit_fails_verification() =>
        Check200(Prop.ForAll((NonNull<byte[]> keyMaterial, NonEmptyArray<byte> message, uint bit) =>
        {
            var keypair = KeyFrom(keyMaterial.Get);
            var bytes = message.Get;
            var signature = keypair.Sign(bytes);
            var index = (int)(bit % (uint)(bytes.Length * 8));
            bytes[index / 8] ^= (byte)(1 << (index % 8));
            return !Ed25519.Verify(keypair.PublicKey, bytes, signature);
        }));

    [Fact]
    public void Signed_request_round_trips_and_any_payload_bit_flip_is_caught() =>
        Prop.ForAll((NonEmptyArray<byte> payload, uint bit) =>
        {
            var keypair = KeyFrom(payload.Get);
            var now = DateTimeOffset.FromUnixTimeMilliseconds(1_900_000_000_000);
            var request = SignedRequest.Sign(keypair, "net", "op", payload.Get.ToArray(), now.AddMinutes(1));
            var tampered = payload.Get.ToArray();
            var index = (int)(bit % (uint)(tampered.Length * 8));
            tampered[index / 8] ^= (byte)(1 << (index % 8));

            return request.Verify("net", now) == RequestVerification.Valid
                && (request with { Payload = tampered }).Verify("net", now) == RequestVerification.BadSignature;
        }).QuickCheckThrowOnFailure();
}
