using System.CommandLine;

namespace Fabric.Cli.Commands;

/// <summary>--skip/--take for listings.</summary>
public static class Paging
{
    public static (Option<int> Skip, Option<int> Take) Options() => (
        new Option<int>("--skip") { Description = "Entries to skip", DefaultValueFactory = _ => 0 },
        new Option<int>("--take") { Description = $"Entries to show (1 to {PageRequest.MaxSize})", DefaultValueFactory = _ => 50 });

    public static PageRequest Request(ParseResult parse, Option<int> skip, Option<int> take) =>
        new() { Skip = parse.GetValue(skip), Take = parse.GetValue(take) };

    public static string Footer(PageRequest request, int shown, int total, string noun) => total == 0
        ? $"No {noun}s yet."
        : $"{shown} of {total} {noun}(s) shown, from #{request.Skip + 1}.";
}
