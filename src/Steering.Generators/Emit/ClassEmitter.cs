using System.Linq;
using Steering.Generators.Model;

namespace Steering.Generators.Emit;

/// <summary>Emits the partial half of a [SteerAt] class.</summary>
public static class ClassEmitter
{
    private const string Tensor = "global::TorchSharp.torch.Tensor";
    private const string Model = "global::Steering.HookedTransformer";

    /// <summary>The source of <paramref name="model"/>'s generated part.</summary>
    public static string Emit(ClassModel model)
    {
        var w = new SourceWriter(3072 + (1024 * model.Sites.Count)).Header($"[SteerAt] class {model.FullName}, checked against the model schema '{model.SchemaName}'.");
        if (model.Namespace.Length > 0) w.Line("namespace " + model.Namespace).Open();
        foreach (var outer in model.ContainingTypes) w.Line($"partial {outer.Keyword} {outer.Name}").Open();

        var sites = model.Sites;
        var siteList = sites.Count == 0 ? "no sites" : string.Join(", ", sites.Select(s => s.HookName));
        w.Line($"/// <summary>Steers the model '{Literals.Doc(model.SchemaName)}' at {Literals.Doc(siteList)}: one vector per site, applied together by <see cref=\"global::Steering.SteeringVectorSet.Apply\"/>.</summary>");
        w.Line($"partial class {model.Name} : global::Steering.SteeringVectorSet").Open();
        w.Line($"private static readonly global::Steering.SchemaIdentity __schema = {Literals.SchemaIdentity(model.SchemaName, model.Architecture, model.Dimensions)};");

        foreach (var site in sites)
        {
            w.Line();
            w.Line($"/// <summary>{Literals.Doc(site.HookName)} {Literals.Doc(Literals.Dims(site.Dims))}: vectors of shape {Literals.Shape(site.VectorShape)} ({Literals.Doc(string.Join(", ", site.VectorDims))}).</summary>");
            w.Line($"public static global::Steering.HookPointRef {site.PropertyName}Point {{ get; }} = new global::Steering.HookPointRef({Literals.String(site.HookName)}, {Literals.Strings(site.Dims)}, {Literals.Ints(site.VectorShape)});");
        }

        w.Line();
        w.Line("/// <summary>A set with no vectors yet: set the vector properties, or use FromContrast or Load.</summary>");
        var arguments = string.Concat(sites.Select(s => ", " + s.PropertyName + "Point"));
        w.Line($"public {model.Name}() : base(__schema{arguments})").Open().Close();

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
        w.Line("/// <summary>Builds every site's vector as the activation difference at the last token between <paramref name=\"positive\"/> and <paramref name=\"negative\"/>.</summary>");
        w.Line($"/// <exception cref=\"global::Steering.SteeringException\">The model is not the schema's ({Literals.Doc(model.SchemaName)}).</exception>");
        w.Line($"public static {model.Name} FromContrast({Model} model, string positive, string negative) =>");
        w.Line("    FromContrast(model, new (string Positive, string Negative)[] { (positive, negative) });");
        w.Line();
        w.Line("/// <summary>Builds every site's vector as the mean activation difference at the last token over contrastive pairs.</summary>");
        w.Line($"/// <exception cref=\"global::Steering.SteeringException\">The model is not the schema's ({Literals.Doc(model.SchemaName)}), or there are no pairs.</exception>");
        w.Line($"public static {model.Name} FromContrast({Model} model, global::System.Collections.Generic.IReadOnlyList<(string Positive, string Negative)> pairs)");
        Build(w, model.Name, null, "set.SetFromContrast(model, pairs);");
        w.Line();
        w.Line("/// <summary>Loads the vectors from a safetensors file written by Save (a tensor per hook name).</summary>");
        w.Line($"public static {model.Name} Load(string path)");
        Build(w, model.Name, null, "set.SetFromFile(path);");

        var defaults = sites.Select((s, i) => (Site: s, Index: i)).Where(s => s.Site.Vector is not null).ToList();
        if (defaults.Count > 0)
        {
            w.Line();
            w.Line("/// <summary>");
            w.Line("/// Loads the vector files named by the [SteerAt(Vector = …)] attributes, checked at build time through their sidecars,");
            w.Line("/// from <paramref name=\"baseDirectory\"/> (default: the application's base directory; copy the files to the output).");
            w.Line("/// Sites without a Vector stay unset.");
            w.Line("/// </summary>");
            w.Line($"public static {model.Name} LoadDefault(string? baseDirectory = null)");
            Build(w, model.Name, "var directory = baseDirectory ?? global::System.AppContext.BaseDirectory;", defaults.Select(d =>
                $"set.SetFromFile({Literals.Int(d.Index)}, global::System.IO.Path.Combine(directory, {Literals.String(d.Site.Vector!)}));").ToArray());
        }

        w.Close();
        foreach (var _ in model.ContainingTypes) w.Close();
        if (model.Namespace.Length > 0) w.Close();
        return w.ToString();
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
