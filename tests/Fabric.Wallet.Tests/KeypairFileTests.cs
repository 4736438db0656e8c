using System.Runtime.Versioning;

namespace Fabric.Wallet.Tests;

public sealed class KeypairFileTests : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("fabric-wallet-tests-");

    public void Dispose() => directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(directory.FullName, name);

    [Fact]
    public void Keypair_file_round_trips()
    {
        var keypair = Keypair.Generate();
        var path = PathOf("id.json");

        KeypairFile.Write(path, keypair);
        var read = KeypairFile.Read(path);

        Assert.Equal(keypair.Address, read.Address);
        Assert.Equal(keypair.ExportSecretSeed(), read.ExportSecretSeed());
        Assert.Equal(KeypairFile.Serialize(keypair), File.ReadAllText(path));
        Assert.Equal(["id.json"], directory.GetFiles().Select(f => f.Name));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Keypair_file_is_owner_read_write_only()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only");
        var path = PathOf("id.json");

        KeypairFile.Write(path, Keypair.Generate());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Missing_directories_are_created_owner_only()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only");
        var path = Path.Combine(directory.FullName, "config", "fabric", "id.json");

        KeypairFile.Write(path, Keypair.Generate());

        Assert.True(File.Exists(path));
        Assert.Equal(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void Existing_file_is_not_overwritten_unless_asked()
    {
        var path = PathOf("id.json");
        var first = Keypair.Generate();
        var second = Keypair.Generate();
        KeypairFile.Write(path, first);

        var error = Assert.Throws<WalletException>(() => KeypairFile.Write(path, second));

        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(first.Address, KeypairFile.Read(path).Address);
        Assert.Single(directory.GetFiles());

        KeypairFile.Write(path, second, overwrite: true);
        Assert.Equal(second.Address, KeypairFile.Read(path).Address);
        Assert.Single(directory.GetFiles());
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void Overwritten_file_is_still_owner_only()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only");
        var path = PathOf("id.json");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);

        KeypairFile.Write(path, Keypair.Generate(), overwrite: true);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    public static TheoryData<string, string> MalformedFiles => new()
    {
        { "not json", "is not valid JSON" },
        { "{\"key\": 1}", "expected a JSON array of 64 numbers, found an object" },
        { "[" + string.Join(',', Enumerable.Repeat(1, 63)) + "]", "expected 64 numbers, found 63" },
        { "[" + string.Join(',', Enumerable.Repeat(1, 65)) + "]", "expected 64 numbers, found 65" },
        { "[256" + string.Concat(Enumerable.Repeat(",1", 63)) + "]", "element 0 is 256, not a whole number from 0 to 255" },
        { "[1" + string.Concat(Enumerable.Repeat(",1", 62)) + ",-1]", "element 63 is -1" },
        { "[1" + string.Concat(Enumerable.Repeat(",1", 62)) + ",1.5]", "element 63 is 1.5" },
        { "[\"1\"" + string.Concat(Enumerable.Repeat(",1", 63)) + "]", "element 0 is a string" },
        { "[" + string.Join(',', Enumerable.Repeat(1, 64)) + "]", "does not belong to the secret key" },
    };

    [Theory]
    [MemberData(nameof(MalformedFiles))]
    public void Malformed_keypair_file_is_rejected_naming_the_file(string content, string problem)
    {
        var path = PathOf("bad.json");
        File.WriteAllText(path, content);

        var error = Assert.Throws<WalletException>(() => KeypairFile.Read(path));

        Assert.Contains($"Keypair file '{path}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatched_public_half_is_rejected()
    {
        var bytes = Keypair.Generate().ToBytes();
        var other = Keypair.Generate().PublicKey;
        other.CopyTo(bytes, 32);
        var path = PathOf("mismatch.json");
        File.WriteAllText(path, "[" + string.Join(',', bytes) + "]");

        var error = Assert.Throws<WalletException>(() => KeypairFile.Read(path));

        Assert.Equal(
            $"Keypair file '{path}' is not a valid keypair: the public key (last 32 numbers) does not belong to the secret key (first 32).",
            error.Message);
    }

    [Fact]
    public void Json_error_does_not_quote_file_content()
    {
        var path = PathOf("secret.json");
        File.WriteAllText(path, "Zsecret");

        var error = Assert.Throws<WalletException>(() => KeypairFile.Read(path));

        Assert.DoesNotContain("Z", error.Message.Replace(path, "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_reported_by_name()
    {
        var path = PathOf("absent.json");
        var error = Assert.Throws<WalletException>(() => KeypairFile.Read(path));
        Assert.Equal($"Keypair file '{path}' does not exist.", error.Message);
    }

    [Fact]
    public void Default_path_is_under_config_fabric()
    {
        Assert.EndsWith(Path.Combine(".config", "fabric", "id.json"), KeypairFile.DefaultPath(), StringComparison.Ordinal);
    }
}
