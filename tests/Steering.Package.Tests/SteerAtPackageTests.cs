using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Schema;
using Xunit.Abstractions;

namespace Steering.Package.Tests;

/// <summary>
/// The [SteerAt] checks as a user of the packed package meets them, outside the repository: one class steering two
/// models (the demo model and a Llama-shaped schema) with site settings, a pairs file, a gated-MLP projection and an
/// embedded vector builds and steers the demo model from the vector inside the assembly (no loose file); the same class
/// written wrong fails the build with each check's diagnostic at the argument.
/// </summary>
[Collection(PackageTestGroup.Name)]
public sealed class SteerAtPackageTests(PackedFeed feed, ITestOutputHelper log)
{
    private const string Sites = """
        [SteerAt("blocks.2.resid_pre", Schema = "tiny-sentiment", Coefficient = -1, VECTOR)]
        [SteerAt("blocks.1.mlp.pre", Schema = "llama-tiny", Name = "LlamaUp", Projection = MlpProjection.Up, Positions = SteerPositions.Last, Count = 2,
                 Method = SteeringMethod.MeanDiff, Pairs = "love-hate.json")]
        [SteerAt("blocks.1.resid_post", Schema = "llama-tiny", Name = "LlamaResid", Normalization = VectorNormalization.ActivationNorm, Coefficient = 0.5)]
        public partial class Love { }
        """;

    private const string Save = """
        using Steering;
        using Steering.Vectors;

        using var model = HookedTransformer.Load(args[0]);
        using var love = Love.Build(model, VectorBuilders.Diff("Love", "Hate"));
        love.Save("vectors/love.safetensors", love.SitesFor(model)[0].Schema);
        System.Console.WriteLine("sites: " + string.Join(",", System.Linq.Enumerable.Select(love.SitesFor(model), s => s.Point.Name)));

        """;

    private const string Steer = """
        using Steering;

        using var model = HookedTransformer.Load(args[0]);
        using var love = Love.LoadDefault();
        System.Console.WriteLine("point: " + MyApp.TinySentiment.Blocks[3].ResidPost.Name);
        System.Console.WriteLine("unsteered: " + model.Generate("I think dogs are", maxNewTokens: 8));
        using (love.Apply(model))
            System.Console.WriteLine("steered:   " + model.Generate("I think dogs are", maxNewTokens: 8));

        """;

    private const string Wrong = """
        using Steering;

        System.Console.WriteLine("wrong");

        [SteerAt("blocks.2.resid_pre", Schema = "tiny-sentiment", Vector = "vectors/other.safetensors")]
        [SteerAt("blocks.3.resid_post", Schema = "llama-tiny", Name = "LlamaResid")]
        [SteerAt("blocks.1.mlp.pre", Schema = "llama-tiny", Name = "LlamaUp", Positions = SteerPositions.Last, Count = 0)]
        [SteerAt("blocks.0.resid_post", Schema = "llama-tiny", Name = "LlamaPca", Method = SteeringMethod.Pca, Pairs = "missing.json")]
        [SteerAt("blocks.1.attn.z", Schema = "llama-tiny", Name = "LlamaZ", Normalization = VectorNormalization.ActivationNorm)]
        public partial class Love { }
        """;

    /// <summary>A Llama-shaped schema (gated MLP, rotary): 2 blocks, d_model 64.</summary>
    private static ModelSchema Llama()
    {
        var dimensions = new ModelDimensions(64, 2, 4, 2, 16, 128, 1000, 256);
        return new ModelSchema(ModelSchema.CurrentFormat, "llama-tiny", "llama", dimensions,
            HookCatalog.ForDecoder(dimensions, new DecoderHookLayout(LearnedPositions: false, Rotary: true, GatedMlp: true, PostSublayerNorms: false)));
    }

    [Fact]
    public void A_class_for_two_models_with_settings_and_an_embedded_vector_builds_and_steers_and_each_mistake_is_a_build_error()
    {
        log.WriteLine(feed.Report);
        // The generator and analyzer, and the code fix in its own assembly (the one that needs Workspaces).
        using (var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed.Folder, $"Steering.{PackedFeed.Version}.nupkg")))
        {
            var analyzers = package.Entries.Select(e => e.FullName).Where(n => n.StartsWith("analyzers/dotnet/cs/", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
            Assert.Equal(new[] { "analyzers/dotnet/cs/Steering.Generators.CodeFixes.dll", "analyzers/dotnet/cs/Steering.Generators.dll" }, analyzers);
        }
        using var user = new UserFolder();
        var app = CreateApp(user.Path);

        // 1. The vector, built by the app itself from the packed runtime (Build + a builder) and saved with its sidecar.
        File.WriteAllText(Path.Combine(app, "Program.cs"), Save + Sites.Replace(", VECTOR", "", StringComparison.Ordinal));
        var save = Dotnet.Ok(app, "run", "--", PackedFeed.DemoModel);
        Assert.Contains("sites: blocks.2.resid_pre", save.Out, StringComparison.Ordinal);
        Assert.Contains("\"model\": \"tiny-sentiment\"", File.ReadAllText(Path.Combine(app, "vectors", "love.safetensors.json")), StringComparison.Ordinal);

        // 2. Checked at build time and embedded: the loose file is gone before the app runs.
        AddToProject(app, "<SteeringVector Include=\"vectors/love.safetensors\" />");
        File.WriteAllText(Path.Combine(app, "Program.cs"), Steer + Sites.Replace("VECTOR", "Vector = \"vectors/love.safetensors\", Embed = true", StringComparison.Ordinal));
        var build = Dotnet.Ok(app, "build");
        log.WriteLine($"dotnet build: {build.Elapsed.TotalSeconds:F0} s");
        File.Delete(Path.Combine(app, "vectors", "love.safetensors"));
        var run = Dotnet.Ok(app, "run", "--no-build", "--", PackedFeed.DemoModel);
        log.WriteLine(run.Out);
        Assert.Contains("point: blocks.3.resid_post", run.Out, StringComparison.Ordinal);
        var unsteered = LibraryPackageTests.Line(run.Out, "unsteered: ");
        var steered = LibraryPackageTests.Line(run.Out, "steered:   ");
        Assert.StartsWith("I think dogs are ", unsteered, StringComparison.Ordinal);
        Assert.NotEqual(unsteered, steered);

        // 3. A SteeringVector item whose file is missing stops the build before compiling.
        var missing = Dotnet.Run("dotnet", app, "build");
        Assert.True(missing.ExitCode != 0, missing.ToString());
        Expect(missing.Out, "error STEER030: the steering vector 'vectors/love.safetensors' does not exist");
        RemoveFromProject(app, "<SteeringVector Include=\"vectors/love.safetensors\" />");

        // 4. Each check, wrong: one build reports them all, each at its argument.
        File.WriteAllText(Path.Combine(app, "vectors", "other.safetensors.json"), VectorSidecar.Write("llama-tiny",
            new[] { new KeyValuePair<string, IReadOnlyList<int>>("blocks.2.resid_pre", new[] { 96 }) }, "llama", Llama().Dimensions));
        AddToProject(app, "<AdditionalFiles Include=\"vectors/other.safetensors.json\" />");
        File.WriteAllText(Path.Combine(app, "Program.cs"), Wrong);
        var wrong = Dotnet.Run("dotnet", app, "build");
        log.WriteLine(wrong.Out);
        Assert.True(wrong.ExitCode != 0, wrong.ToString());
        Expect(wrong.Out, "Program.cs(5,68): error STEER022: the vector 'vectors/other.safetensors' was built for 'llama-tiny' (llama, 2 layers, d_model 64");
        Expect(wrong.Out, "Program.cs(6,10): error STEER002: no hook point 'blocks.3.resid_post': the model has 2 blocks (0 to 1); did you mean 'blocks.1.resid_post'? (schema 'llama-tiny')");
        Expect(wrong.Out, "Program.cs(7,112): error STEER020: Count = 0: the first/last k positions need 1 <= k <= 256 (the context of 'llama-tiny')");
        Expect(wrong.Out, "Program.cs(8,112): error STEER021: the pairs 'missing.json' is not an AdditionalFiles item");
        Expect(wrong.Out, "Program.cs(9,85): error STEER020: Normalization = ActivationNorm: 'blocks.1.attn.z' has vectors [n_heads, d_head]");
        Assert.Contains("https://", wrong.Out, StringComparison.Ordinal);

        // 5. A constant block index beyond the model (the analyzer), on its own so nothing else fails the build first.
        File.WriteAllText(Path.Combine(app, "Program.cs"), "System.Console.WriteLine(MyApp.TinySentiment.Blocks[9].ResidPost);\n");
        var index = Dotnet.Run("dotnet", app, "build");
        Assert.True(index.ExitCode != 0, index.ToString());
        Expect(index.Out, "Program.cs(1,53): error STEER023: TinySentiment.Blocks[9]: the model has 4 blocks (0 to 3); did you mean Blocks[3]?");
    }

    private static void Expect(string output, string line) =>
        Assert.True(output.Contains(line, StringComparison.Ordinal), $"no '{line}' in:\n{output}");

    /// <summary>A console app with the Steering package, a back end, both schemas and a pairs file; returns its folder.</summary>
    private string CreateApp(string folder)
    {
        Dotnet.Ok(folder, "new", "console", "-o", "MyApp");
        var app = Path.Combine(folder, "MyApp");
        Dotnet.Ok(app, "new", "nugetconfig");
        Dotnet.Ok(app, "nuget", "add", "source", feed.Folder, "--name", "steering", "--configfile", "nuget.config");
        File.Copy(Path.Combine(PackedFeed.RepositoryRoot, "examples", "models", "tiny-sentiment.schema.json"), Path.Combine(app, "tiny-sentiment.schema.json"));
        File.WriteAllText(Path.Combine(app, "llama-tiny.schema.json"), ModelSchemaWriter.Write(Llama()));
        File.WriteAllText(Path.Combine(app, "love-hate.json"), "[{ \"positive\": \"Love\", \"negative\": \"Hate\" }, { \"positive\": \"I adore you\", \"negative\": \"I despise you\" }]");
        Directory.CreateDirectory(Path.Combine(app, "vectors"));
        AddToProject(app, $"""
            <PackageReference Include="Steering" Version="{PackedFeed.Version}" />
            <PackageReference Include="libtorch-cpu-linux-x64" Version="{LibraryPackageTests.RepositoryValue("Directory.Packages.props", "LibTorchVersion")}" />
            <AdditionalFiles Include="tiny-sentiment.schema.json;llama-tiny.schema.json;love-hate.json" />
            """);
        return app;
    }

    private static void RemoveFromProject(string app, string item)
    {
        var project = Path.Combine(app, "MyApp.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace(item, "", StringComparison.Ordinal));
    }

    private static void AddToProject(string app, string items)
    {
        var project = Path.Combine(app, "MyApp.csproj");
        File.WriteAllText(project, File.ReadAllText(project).Replace("</Project>", "<ItemGroup>\n" + items + "\n</ItemGroup>\n</Project>", StringComparison.Ordinal));
    }

}
