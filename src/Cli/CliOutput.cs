using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Fabric.Cli;

/// <summary>Where a command writes: tables and sentences for people, JSON documents for scripts.</summary>
public sealed class CliOutput(bool json, IAnsiConsole console, TextWriter stdout, TextWriter stderr)
{
    /// <summary>The JSON shape of every command: camelCase names, enums as words, ISO-8601 times.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Scripts read this; "don't" beats "don\u0027t". Nothing here is embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The same shape on one line: one document per line for streams (watching, following, logs).</summary>
    public static readonly JsonSerializerOptions JsonLineOptions = new(JsonOptions) { WriteIndented = false };

    public bool Json { get; } = json;

    /// <summary>Standard output, for raw text (a job's output) and JSON lines.</summary>
    public TextWriter Out => stdout;

    /// <summary>Standard error, for raw text (a job's stderr).</summary>
    public TextWriter Err => stderr;

    public IAnsiConsole Console { get; } = console;

    /// <summary>Writes a result: <paramref name="value"/> as JSON, or <paramref name="human"/>'s rendering.</summary>
    public void Result<T>(T value, Action<IAnsiConsole> human)
    {
        if (Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(value, JsonOptions));
        }
        else
        {
            human(Console);
        }
    }

    /// <summary>Writes <paramref name="value"/> as one line of JSON (one document per line, for scripts reading a stream).</summary>
    public void JsonLine<T>(T value)
    {
        stdout.WriteLine(JsonSerializer.Serialize(value, JsonLineOptions));
        stdout.Flush();
    }

    /// <summary>Reports a failure on stderr: a sentence, or {"error": {...}} with --json.</summary>
    public void Error(string kind, string message, int exitCode)
    {
        if (Json)
        {
            stderr.WriteLine(JsonSerializer.Serialize(new { error = new { kind, message, exitCode } }, JsonOptions));
        }
        else
        {
            stderr.WriteLine($"fabric: {message}");
        }
    }
}
