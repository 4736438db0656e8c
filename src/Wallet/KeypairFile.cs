using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Fabric.Wallet;

/// <summary>
/// solana-keygen keypair files: a JSON array of 64 numbers, the secret seed then the public key,
/// so a Fabric wallet file works with Solana tools and the other way round.
/// </summary>
public static class KeypairFile
{
    // Keypair files are 64 small numbers (~250 bytes); anything far larger is not one and is not read whole.
    private const long MaxFileBytes = 64 * 1024;

    /// <summary>~/.config/fabric/id.json, next to where solana-keygen keeps ~/.config/solana/id.json.</summary>
    public static string DefaultPath() =>
        Path.Combine(
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
            ".config",
            "fabric",
            "id.json");

    /// <summary>The file text: "[n,n,...]" with no spaces and no newline, byte-for-byte what solana-keygen writes.</summary>
    public static string Serialize(Keypair keypair)
    {
        ArgumentNullException.ThrowIfNull(keypair);
        var bytes = keypair.ToBytes();
        try
        {
            var text = new StringBuilder(4 * bytes.Length + 2).Append('[');
            for (var i = 0; i < bytes.Length; i++)
            {
                text.Append(i == 0 ? "" : ",").Append(bytes[i].ToString(CultureInfo.InvariantCulture));
            }

            return text.Append(']').ToString();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Parses file text; <paramref name="source"/> (usually the path) names the file in error messages.</summary>
    /// <exception cref="WalletException">Not JSON, not 64 numbers 0..255, or a public half that does not match.</exception>
    public static Keypair Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        var bytes = new byte[Keypair.KeypairBytes];
        try
        {
            using (var document = ParseJson(json, source))
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Array)
                {
                    throw Invalid(source, $"expected a JSON array of {Keypair.KeypairBytes} numbers, found {Describe(root.ValueKind)}");
                }

                var count = root.GetArrayLength();
                if (count != Keypair.KeypairBytes)
                {
                    throw Invalid(source, $"expected {Keypair.KeypairBytes} numbers, found {count}");
                }

                var i = 0;
                foreach (var element in root.EnumerateArray())
                {
                    if (element.ValueKind != JsonValueKind.Number || !element.TryGetByte(out bytes[i]))
                    {
                        var found = element.ValueKind == JsonValueKind.Number && element.GetRawText().Length <= 24
                            ? element.GetRawText()
                            : Describe(element.ValueKind);
                        throw Invalid(source, $"element {i} is {found}, not a whole number from 0 to 255");
                    }

                    i++;
                }
            }

            var keypair = Keypair.FromSecretSeed(bytes.AsSpan(0, Ed25519.SecretSeedSize));
            if (keypair.Address != WalletAddress.FromPublicKey(bytes.AsSpan(Ed25519.SecretSeedSize)))
            {
                throw Invalid(source, "the public key (last 32 numbers) does not belong to the secret key (first 32)");
            }

            return keypair;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <exception cref="WalletException">The file is missing, unreadable or not a valid keypair; the message names it.</exception>
    public static Keypair Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string json;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new WalletException($"Keypair file '{path}' does not exist.");
            }

            if (info.Length > MaxFileBytes)
            {
                throw Invalid(path, $"it is {info.Length} bytes, far too large for a keypair");
            }

            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WalletException($"Keypair file '{path}' could not be read: {e.Message}", e);
        }

        return Parse(json, path);
    }

    /// <summary>
    /// Writes the keypair readable by its owner only (0600 on Unix), atomically: a temp file beside it is
    /// written and flushed, then renamed, so a crash never leaves a half-written key.
    /// </summary>
    /// <exception cref="WalletException">The file exists and <paramref name="overwrite"/> is false, or it cannot be written.</exception>
    public static void Write(string path, Keypair keypair, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(keypair);

        var fullPath = Path.GetFullPath(path);
        if (!overwrite && Path.Exists(fullPath))
        {
            throw Exists(path);
        }

        var directory = Path.GetDirectoryName(fullPath)!;
        CreateDirectory(directory);

        var temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        var content = Encoding.UTF8.GetBytes(Serialize(keypair));
        try
        {
            WriteOwnerOnly(temp, content);

            // Without overwrite, File.Move refuses an existing target (on Unix via link(2), atomically), which
            // closes the race with another writer between the check above and here.
            File.Move(temp, fullPath, overwrite);
        }
        catch (IOException) when (!overwrite && Path.Exists(fullPath))
        {
            throw Exists(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WalletException($"Keypair file '{path}' could not be written: {e.Message}", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
            File.Delete(temp);
        }
    }

    private static void WriteOwnerOnly(string path, byte[] content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Set at creation, not chmod-ed afterwards, so the key is never readable by others even briefly.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    private static void CreateDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static JsonDocument ParseJson(string json, string source)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            // Only the position: the parser's own message quotes file content, which here is secret.
            throw Invalid(source, $"it is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a very long number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    private static WalletException Invalid(string source, string problem) =>
        new($"Keypair file '{source}' is not a valid keypair: {problem}.");

    private static WalletException Exists(string path) =>
        new($"Keypair file '{path}' already exists; refusing to overwrite it (pass overwrite: true to replace it).");
}
