using System.CommandLine;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Fabric.Wallet;
using Spectre.Console;

[assembly: InternalsVisibleTo("Fabric.Wallet.Tests")]

namespace Fabric.Cli.Commands;

/// <summary>
/// fabric wallet new|recover|address: the local keypair file, no cluster needed. Files are solana-keygen keypair
/// files (a JSON array of 64 numbers), so a Fabric wallet works with Solana tools and the other way round.
/// </summary>
public static class WalletKeyCommands
{
    private const int DefaultWords = 12;

    /// <summary>Adds new, recover and address to the <c>wallet</c> command.</summary>
    public static void AddTo(Command wallet, CliServices services) => AddTo(wallet, services, stdin: null);

    /// <summary>As <see cref="AddTo(Command, CliServices)"/>, with the standard input <c>recover</c> reads.</summary>
    /// <param name="wallet">The <c>wallet</c> command to add to.</param>
    /// <param name="services">The shared options (--json).</param>
    /// <param name="stdin">
    /// Where <c>recover</c> reads the phrase as if standard input were redirected; null for the real console
    /// (redirected input, else a hidden prompt). Output goes to the invocation's Output and Error writers.
    /// </param>
    internal static void AddTo(Command wallet, CliServices services, TextReader? stdin)
    {
        ArgumentNullException.ThrowIfNull(wallet);
        ArgumentNullException.ThrowIfNull(services);
        wallet.Subcommands.Add(New(services));
        wallet.Subcommands.Add(Recover(services, stdin));
        wallet.Subcommands.Add(Address(services));
    }

    private static Option<string> OutFile() => new("--outfile", "-o")
    {
        Description = "Write the keypair file here (default ~/.config/fabric/id.json)",
        HelpName = "file",
    };

    private static Option<bool> Force() => new("--force", "-f")
    {
        Description = "Replace an existing keypair file (its key is lost unless you hold its recovery phrase)",
    };

    private static Command New(CliServices services)
    {
        var words = new Option<int>("--words")
        {
            Description = "Length of the recovery phrase: 12 or 24 words",
            HelpName = "12|24",
            DefaultValueFactory = _ => DefaultWords,
        };
        var outFile = OutFile();
        var force = Force();
        var command = new Command("new", "Make a new wallet: a recovery phrase and the keypair file derived from it at m/44'/501'/0'/0'")
        {
            words, outFile, force,
        };
        command.SetAction((parse, ct) => RunAsync(services, parse, output =>
        {
            var wordCount = parse.GetValue(words);
            if (wordCount is not (12 or 24))
            {
                return Usage(output, $"--words {wordCount}: a recovery phrase has 12 or 24 words.");
            }

            var path = KeypairPath(parse.GetValue(outFile));
            var overwrite = parse.GetValue(force);
            RefuseOverwrite(path, overwrite);

            var phrase = RecoveryPhrase.Generate(wordCount);
            var derivation = DerivationPath.SolanaDefault;
            var keypair = Keypair.FromRecoveryPhrase(phrase, "", derivation);
            Write(path, keypair, overwrite);

            var view = new NewWalletView(keypair.Address.ToString(), path, phrase.Phrase, derivation.ToString());
            output.Result(view, console =>
            {
                console.MarkupLineInterpolated($"Wrote a new keypair to [bold]{path}[/] (derivation path {view.DerivationPath}).");
                console.MarkupLineInterpolated($"Address: [bold]{view.Address}[/]");
                console.WriteLine();
                console.MarkupLine("[yellow]Write this recovery phrase down and keep it offline. It is shown only this once; "
                    + "anyone who has it controls the wallet, and without it a lost keypair file cannot be recovered:[/]");
                console.WriteLine();
                console.WriteLine(phrase.Phrase);
                console.WriteLine();
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Recover(CliServices services, TextReader? stdin)
    {
        var passphrase = new Option<string>("--passphrase")
        {
            Description = "The BIP39 passphrase (\"25th word\") the wallet was made with, if any",
            HelpName = "text",
        };
        var account = new Option<int>("--account")
        {
            Description = "Account index i of the derivation path m/44'/501'/i'/0' (default 0)",
            HelpName = "i",
        };
        var noDerivation = new Option<bool>("--no-derivation")
        {
            Description = "Use the first 32 bytes of the seed as the key, as solana-keygen recover does without a derivation path",
        };
        var outFile = OutFile();
        var force = Force();
        var command = new Command("recover",
            "Rebuild the keypair file from a recovery phrase, read from standard input when it is redirected, else asked for without echo")
        {
            passphrase, account, noDerivation, outFile, force,
        };
        command.SetAction((parse, ct) => RunAsync(services, parse, output =>
        {
            var derive = !parse.GetValue(noDerivation);
            if (!derive && parse.GetResult(account) is not null)
            {
                return Usage(output, "--account chooses a derivation path and cannot be combined with --no-derivation.");
            }

            var accountIndex = parse.GetValue(account);
            if (accountIndex < 0)
            {
                return Usage(output, $"--account {accountIndex}: the account index is a whole number from 0.");
            }

            var path = KeypairPath(parse.GetValue(outFile));
            var overwrite = parse.GetValue(force);
            RefuseOverwrite(path, overwrite);

            var phrase = RecoveryPhrase.Parse(ReadPhrase(stdin));
            var derivation = derive ? DerivationPath.Solana(accountIndex) : null;
            var keypair = KeypairFrom(phrase, parse.GetValue(passphrase) ?? "", derivation);
            Write(path, keypair, overwrite);

            var view = new RecoveredWalletView(keypair.Address.ToString(), path, derivation?.ToString());
            output.Result(view, console =>
            {
                var how = derivation is null ? "no derivation path" : $"derivation path {derivation}";
                console.MarkupLineInterpolated($"Wrote the recovered keypair to [bold]{path}[/] ({how}).");
                console.MarkupLineInterpolated($"Address: [bold]{view.Address}[/]");
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Address(CliServices services)
    {
        var keypairFile = new Option<string>("--keypair", "-k")
        {
            Description = "The keypair file (default ~/.config/fabric/id.json)",
            HelpName = "file",
        };
        var command = new Command("address", "Print the wallet address (base58 public key) of a keypair file") { keypairFile };
        command.SetAction((parse, ct) => RunAsync(services, parse, output =>
        {
            var address = KeypairFile.Read(KeypairPath(parse.GetValue(keypairFile))).Address.ToString();
            if (output.Json)
            {
                output.Result(new { address }, _ => { });
            }
            else
            {
                // One bare line, as solana-keygen pubkey prints, so scripts can use $(fabric wallet address).
                parse.InvocationConfiguration.Output.WriteLine(address);
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>
    /// Runs a local command body: wallet input errors and file errors become exit 1 with one clear message
    /// ({"error": ...} on stderr with --json), as <see cref="CliServices.RunAsync"/> does for cluster commands.
    /// </summary>
    private static Task<int> RunAsync(CliServices services, ParseResult parse, Func<CliOutput, int> body, CancellationToken cancellationToken)
    {
        var output = Output(services, parse);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(body(output));
        }
        catch (WalletException e)
        {
            output.Error("rejected", e.Message, ExitCodes.Rejected);
            return Task.FromResult(ExitCodes.Rejected);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            output.Error("rejected", e.Message, ExitCodes.Rejected);
            return Task.FromResult(ExitCodes.Rejected);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Task.FromResult(ExitCodes.Ok);
        }
    }

    private static CliOutput Output(CliServices services, ParseResult parse)
    {
        var invocation = parse.InvocationConfiguration;
        if (ReferenceEquals(invocation.Output, Console.Out) && ReferenceEquals(invocation.Error, Console.Error))
        {
            return services.Output(parse);
        }

        // Writers other than the console (tests, hosts that capture output): plain text, no colours, no wrapping.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(invocation.Output),
        });
        console.Profile.Width = 240;
        return new CliOutput(parse.GetValue(services.Json), console, invocation.Output, invocation.Error);
    }

    private static int Usage(CliOutput output, string message)
    {
        output.Error("usage", message, ExitCodes.Usage);
        return ExitCodes.Usage;
    }

    private static string KeypairPath(string? given) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(given) ? KeypairFile.DefaultPath() : given);

    private static void RefuseOverwrite(string path, bool force)
    {
        if (!force && Path.Exists(path))
        {
            throw ExistsError(path);
        }
    }

    private static void Write(string path, Keypair keypair, bool force)
    {
        try
        {
            KeypairFile.Write(path, keypair, force);
        }
        catch (WalletException) when (!force && Path.Exists(path))
        {
            // Created by someone else since RefuseOverwrite looked: say it in command-line terms.
            throw ExistsError(path);
        }
    }

    private static WalletException ExistsError(string path) =>
        new($"Keypair file '{path}' already exists; refusing to overwrite it (pass --force to replace it).");

    private static Keypair KeypairFrom(RecoveryPhrase phrase, string passphrase, DerivationPath? derivation)
    {
        if (derivation is not null)
        {
            return Keypair.FromRecoveryPhrase(phrase, passphrase, derivation);
        }

        var seed = phrase.DeriveSeed(passphrase);
        try
        {
            return Keypair.FromBip39SeedWithoutDerivation(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>The phrase, never from the command line (it would sit in shell history and the process list).</summary>
    private static string ReadPhrase(TextReader? stdin)
    {
        if (stdin is null && !Console.IsInputRedirected)
        {
            // The prompt goes to stderr, so that `fabric wallet recover --json > out.json` keeps stdout clean.
            var prompt = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            return prompt.Prompt(new TextPrompt<string>("Recovery phrase (12 or 24 words, not shown):").Secret(null));
        }

        var reader = stdin ?? Console.In;
        while (reader.ReadLine() is { } line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                return line;
            }
        }

        throw new WalletException("No recovery phrase on standard input: expected the words on one line.");
    }

    private sealed record NewWalletView(string Address, string KeypairFile, string Mnemonic, string DerivationPath);

    private sealed record RecoveredWalletView(string Address, string KeypairFile, string? DerivationPath);
}
