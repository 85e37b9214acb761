using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Spectre.Console;
using Spectre.Console.Cli;
using Steering.Cli.Commands;

namespace Steering.Cli;

/// <summary>The <c>steer</c> command line: commands, and one error-reporting policy for all of them.</summary>
internal static class SteerApp
{
    /// <summary>Runs on the process's console: spinners and streaming when stdout is a terminal.</summary>
    public static int Run(string[] args)
    {
        var interactive = !System.Console.IsOutputRedirected;
        var terminal = new Terminal(System.Console.Out, System.Console.Error, interactive, interactive ? AnsiConsole.Console : null);
        return Run(args, terminal);
    }

    /// <summary>Runs with output captured in writers (tests): plain, non-interactive output.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        Run(args, new Terminal(stdout, stderr, interactive: false));

    /// <summary>
    /// Runs a command. Bad input (a <see cref="SteeringException"/>, a parse error, a missing file) prints one line
    /// <c>error: …</c> to stderr and returns 1; <c>--verbose</c> adds the stack trace. Nothing escapes as a crash.
    /// </summary>
    public static int Run(string[] args, Terminal terminal)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(terminal);
        var verbose = args.Contains("--verbose", StringComparer.Ordinal);
        try
        {
            return Create(terminal).Run(args);
        }
        catch (Exception e)
        {
            Report(e, verbose, terminal.Error);
            return 1;
        }
    }

    private static CommandApp Create(Terminal terminal)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("steer");
            config.SetApplicationVersion(typeof(SteerApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");
            config.ConfigureConsole(terminal.Console);
            config.PropagateExceptions();
            config.Settings.StrictParsing = true; // an unknown option is an error, not a silently ignored argument
            config.Settings.Registrar.RegisterInstance(terminal);

            config.AddCommand<InfoCommand>("info")
                .WithDescription("Show a model's architecture, sizes, placement, parameter count and hook points.")
                .WithExample("info", "models/gpt2");
            config.AddCommand<GenerateCommand>("generate")
                .WithDescription("Continue prompts, or answer a conversation (--chat), greedily or by sampling, optionally steered with --add / --ablate.")
                .WithExample("generate", "models/gpt2", "--prompt", "\"I think dogs are\"", "--max-new-tokens", "20")
                .WithExample("generate", "models/gpt2", "--prompt", "\"I think dogs are\"", "--add", "blocks.6.resid_pre=love.safetensors*5")
                .WithExample("generate", "models/Llama-3.2-1B-Instruct", "--chat", "messages.json", "--max-new-tokens", "64");
            config.AddCommand<TokenizeCommand>("tokenize")
                .WithDescription("Print the token ids of a text, or of a conversation rendered with the chat template (comma-separated, one line).")
                .WithExample("tokenize", "models/Llama-3.2-1B-Instruct", "--prompt", "\"Hello world\"")
                .WithExample("tokenize", "models/Qwen3-0.6B", "--chat", "messages.json", "--show");
            config.AddCommand<TraceCommand>("trace")
                .WithDescription("Run one forward pass and save the activations at hook points, and the logits, to a safetensors file.")
                .WithExample("trace", "models/gpt2", "--prompt", "\"Hello there\"", "--hooks", "blocks.0.resid_post,blocks.1.attn.hook_z", "--out", "trace.safetensors");
            config.AddCommand<SchemaCommand>("schema")
                .WithDescription("Write a model's hook-point schema (JSON) from its config.json, for the source generator.")
                .WithExample("schema", "models/gpt2", "--out", "gpt2.schema.json");
            config.AddBranch("vector", vector =>
            {
                vector.SetDescription("Make steering vectors: from contrast pairs (build), by gradient (train), from a sparse autoencoder (sae).");
                // `steer vector MODEL_DIR --hook … --positive … --negative …` keeps working: it is `build` with one pair.
                vector.SetDefaultCommand<VectorBuildCommand>();
                vector.AddCommand<VectorBuildCommand>("build")
                    .WithDescription("Vectors for many hook points from contrast pairs: diff, mean-diff (CAA), pca (repeng), probe.")
                    .WithExample("vector", "build", "models/gpt2", "--pairs", "pairs.jsonl", "--hooks", "\"blocks.{4..8}.resid_post\"", "--method", "mean-diff", "--out", "v.safetensors")
                    .WithExample("vector", "build", "models/gpt2", "--hooks", "blocks.6.resid_pre", "--positive", "\"Love\"", "--negative", "\"Hate\"", "--out", "love.safetensors");
                vector.AddCommand<VectorTrainCommand>("train")
                    .WithDescription("A vector trained by gradient on the frozen model to make target completions likely (and contrasts unlikely).")
                    .WithExample("vector", "train", "models/gpt2", "--targets", "targets.jsonl", "--hooks", "blocks.6.resid_pre", "--max-norm", "8", "--out", "v.safetensors");
                vector.AddCommand<VectorSaeCommand>("sae")
                    .WithDescription("A sparse-autoencoder feature's decoder row (SAELens folder) as a steering vector.")
                    .WithExample("vector", "sae", "saes/gpt2-res-8", "--feature", "1234", "--model", "models/gpt2", "--out", "feature.safetensors");
            });
            config.AddCommand<FoldCommand>("fold")
                .WithDescription("Fold steering additions into the weights: a Hugging Face folder that runs steered with no hooks.")
                .WithExample("fold", "models/gpt2", "--add", "blocks.6.resid_post=love.safetensors*4", "--out", "models/gpt2-love");
            config.AddCommand<ExportCommand>("export")
                .WithDescription("Export to llama.cpp: a GGUF model (additions folded in) or a control vector (--format control-vector).")
                .WithExample("export", "models/gpt2", "--format", "gguf", "--dtype", "q8_0", "--out", "gpt2.q8_0.gguf")
                .WithExample("export", "models/gpt2", "--format", "control-vector", "--add", "blocks.6.resid_post=love.safetensors*4", "--out", "love.gguf");
            config.AddCommand<CalibrateCommand>("calibrate")
                .WithDescription("Find the coefficient at which a steering reaches a KL (or log-probability shift) target on a prompt set.")
                .WithExample("calibrate", "models/gpt2", "--add", "blocks.6.resid_pre=love.safetensors", "--prompts", "prompts.txt", "--kl", "1", "--percentile", "95");
            config.AddCommand<SweepCommand>("sweep")
                .WithDescription("Measure a vector at several hook points and coefficients: KL, effect score, perplexity; a table, CSV and a plot.")
                .WithExample("sweep", "models/gpt2", "--vector", "love.safetensors", "--hooks", "\"blocks.{4..8}.resid_pre\"", "--coefficients", "-8,-4,0,4,8", "--prompts", "prompts.txt", "--score", "sentiment", "--plot", "sweep.png");
            config.AddCommand<ServeCommand>("serve")
                .WithDescription("Serve the model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions, streaming), steered per request.")
                .WithExample("serve", "models/gpt2", "--port", "8000", "--vector", "love=love.safetensors");
            config.AddCommand<DemoCommand>("demo")
                .WithDescription("Steer \"I think dogs are\" with a Love - Hate vector and show the completions side by side.")
                .WithExample("demo");
        });
        return app;
    }

    private static void Report(Exception e, bool verbose, TextWriter error)
    {
        var expected = e is SteeringException or CommandAppException or ArgumentException or IOException
            or UnauthorizedAccessException or FormatException or OperationCanceledException;
        var message = Terminal.OneLine(e.Message);
        error.WriteLine(expected || verbose
            ? $"error: {message}"
            : $"error: {e.GetType().Name}: {message} (unexpected: please report it; --verbose shows the stack trace)");
        if (verbose) error.WriteLine(e.ToString());
    }
}
