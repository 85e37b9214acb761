using System.Linq;
using Steering.Generators.Model;
using Steering.Generators.Parsing;

namespace Steering.Generators.Emit;

/// <summary>Emits the partial half of a [SteerAt] class.</summary>
public static class ClassEmitter
{
    private const string Tensor = "global::TorchSharp.torch.Tensor";
    private const string Model = "global::Steering.HookedTransformer";

    /// <summary>The source of <paramref name="model"/>'s generated part.</summary>
    public static string Emit(ClassModel model)
    {
        var schemaNames = string.Join(", ", model.Schemas.Select(s => "'" + s.Name + "'"));
        var w = new SourceWriter(3072 + (1024 * model.Sites.Count)).Header($"[SteerAt] class {model.FullName}, checked against the model schema{(model.Schemas.Count == 1 ? "" : "s")} {schemaNames}.");
        if (model.Namespace.Length > 0) w.Line("namespace " + model.Namespace).Open();
        foreach (var outer in model.ContainingTypes) w.Line($"partial {outer.Keyword} {outer.Name}").Open();

        var sites = model.Sites;
        var siteList = sites.Count == 0 ? "no sites" : string.Join(", ", sites.Select(s => s.HookName));
        var models = model.Schemas.Count == 1 ? $"the model '{Literals.Doc(model.Schemas[0].Name)}'" : $"the models {Literals.Doc(schemaNames)} (the model given picks its sites)";
        w.Line($"/// <summary>Steers {models} at {Literals.Doc(siteList)}: one vector per site, applied together by <see cref=\"global::Steering.SteeringVectorSet.Apply\"/>.</summary>");
        w.Line($"partial class {model.Name} : global::Steering.SteeringVectorSet").Open();
        for (var i = 0; i < model.Schemas.Count; i++)
        {
            var schema = model.Schemas[i];
            w.Line($"private static readonly global::Steering.SchemaIdentity __schema{i} = {Literals.SchemaIdentity(schema.Name, schema.Architecture, schema.Dimensions)};");
        }

        foreach (var site in sites)
        {
            w.Line();
            w.Line($"/// <summary>{Literals.Doc(site.HookName)} {Literals.Doc(Literals.Dims(site.Dims))}: vectors of shape {Literals.Shape(site.VectorShape)} ({Literals.Doc(string.Join(", ", site.VectorDims))}).</summary>");
            w.Line($"public static global::Steering.HookPointRef {site.PropertyName}Point {{ get; }} = new global::Steering.HookPointRef({Literals.String(site.HookName)}, {Literals.Strings(site.Dims)}, {Literals.Ints(site.VectorShape)});");
        }

        w.Line();
        w.Line("/// <summary>A set with no vectors yet: set the vector properties, or use Build or Load.</summary>");
        w.Line($"public {model.Name}() : base({(sites.Count == 0 ? ")" : "")}");
        for (var i = 0; i < sites.Count; i++)
            w.Line($"    new global::Steering.SteeringSite({sites[i].PropertyName}Point, __schema{Literals.Int(sites[i].Schema)}{Settings(sites[i].Settings)}){(i + 1 < sites.Count ? "," : ")")}");
        w.Open().Close();

        for (var i = 0; i < sites.Count; i++)
        {
            var site = sites[i];
            w.Line();
            w.Line($"/// <summary>The vector added at {Literals.Doc(site.HookName)}, shape {Literals.Shape(site.VectorShape)} ({Literals.Doc(string.Join(", ", site.VectorDims))}); null until set. Setting stores a checked float32 copy (shape and finite values are checked).</summary>");
            w.Line($"public {Tensor}? {site.PropertyName}");
            w.Open();
            w.Line($"get => GetVector({Literals.Int(i)});");
            w.Line($"set => SetVector({Literals.Int(i)}, value);");
            w.Close();
        }

        w.Line();
        w.Line("/// <summary>Builds the vectors of the sites for <paramref name=\"model\"/> with <paramref name=\"builder\"/> (any method: a difference, mean difference, PCA, probe…), from the same runs for every site.</summary>");
        w.Line($"/// <exception cref=\"global::Steering.SteeringException\">The model is none of the schemas' ({Literals.Doc(schemaNames)}), or the builder fails.</exception>");
        w.Line($"public static {model.Name} Build({Model} model, global::Steering.Vectors.VectorBuilder builder)");
        Build(w, model.Name, null, "set.SetFromBuilder(model, builder);");
        w.Line();
        w.Line("/// <summary>Loads one model's vectors from a safetensors file written by Save (a tensor per hook name).</summary>");
        w.Line($"public static {model.Name} Load(string path)");
        Build(w, model.Name, null, "set.SetFromFile(path);");

        var defaults = sites.Select((s, i) => (Site: s, Index: i)).Where(s => s.Site.Vector is not null).ToList();
        if (defaults.Count > 0)
        {
            var files = defaults.Any(d => d.Site.Resource is null);
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Loads the vector files named by the [SteerAt(Vector = …)] attributes, checked at build time through their sidecars:");
            w.Line("/// embedded ones from this assembly" + (files ? ", the others from <paramref name=\"baseDirectory\"/> (default: the application's base directory; copy the files to the output)." : " (every one is embedded: no file is read from disk)."));
            w.Line("/// Sites without a Vector stay unset.");
            w.Line("/// </summary>");
            // With every vector embedded there is no directory to ask for; the one-parameter overload stays (hidden) so
            // callers written when a file was not embedded yet still compile.
            w.Line($"public static {model.Name} LoadDefault({(files ? "string? baseDirectory = null" : "")})");
            Build(w, model.Name, files ? "var directory = baseDirectory ?? global::System.AppContext.BaseDirectory;" : null, defaults.Select(d => d.Site.Resource is not null
                ? $"set.SetFromResource({Literals.Int(d.Index)}, {Literals.String(d.Site.Resource)});"
                : $"set.SetFromFile({Literals.Int(d.Index)}, global::System.IO.Path.Combine(directory, {Literals.String(d.Site.Vector!)}));").ToArray());
            if (!files)
            {
                w.Line();
                w.Line("/// <summary><see cref=\"LoadDefault()\"/>: every vector is embedded, so <paramref name=\"baseDirectory\"/> is not read.</summary>");
                w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
                w.Line($"public static {model.Name} LoadDefault(string? baseDirectory) => LoadDefault();");
            }
        }

        w.Close();
        foreach (var _ in model.ContainingTypes) w.Close();
        if (model.Namespace.Length > 0) w.Close();
        return w.ToString();
    }

    // The SteeringSite arguments that differ from the defaults, named.
    private static string Settings(SiteSettings? settings)
    {
        if (settings is null) return "";
        var text = new System.Text.StringBuilder();
        if (settings.Coefficient != 1.0) text.Append(", coefficient: ").Append(Literals.Double(settings.Coefficient));
        if (settings.Positions != 0) text.Append(", positions: global::Steering.SteerPositions.").Append(SiteChecks.Name(SiteChecks.Positions, settings.Positions));
        if (settings.Count != 0) text.Append(", count: ").Append(Literals.Int(settings.Count));
        if (settings.Normalization != 0) text.Append(", normalization: global::Steering.VectorNormalization.").Append(SiteChecks.Name(SiteChecks.Normalizations, settings.Normalization));
        if (settings.Method != 0) text.Append(", method: global::Steering.SteeringMethod.").Append(SiteChecks.Name(SiteChecks.Methods, settings.Method));
        return text.ToString();
    }

    private static void Build(SourceWriter w, string type, string? prelude, params string[] statements)
    {
        w.Open();
        if (prelude is not null) w.Line(prelude);
        w.Line($"var set = new {type}();");
        w.Line("try").Open();
        foreach (var statement in statements) w.Line(statement);
        w.Line("return set;");
        w.Close();
        w.Line("catch").Open();
        w.Line("set.Dispose();");
        w.Line("throw;");
        w.Close();
        w.Close();
    }
}
