using System.Collections.Generic;
using System.Globalization;
using Steering.Generators.Diagnostics;
using Steering.Generators.Model;
using Steering.Schema;

namespace Steering.Generators.Parsing;

/// <summary>
/// Checks a [SteerAt] site's settings against its point, its schema and each other (STEER020, STEER021), each problem
/// at the argument that causes it. The names mirror the runtime's enums (Steering.SteerPositions, …), whose values the
/// parser hands over.
/// </summary>
public static class SiteChecks
{
    /// <summary>Steering.SteerPositions, by value.</summary>
    public static readonly string[] Positions = { "All", "Prompt", "Generated", "First", "Last" };
    /// <summary>Steering.VectorNormalization, by value.</summary>
    public static readonly string[] Normalizations = { "None", "Unit", "ActivationNorm" };
    /// <summary>Steering.SteeringMethod, by value.</summary>
    public static readonly string[] Methods = { "Any", "Diff", "MeanDiff", "Pca", "Probe", "Gradient", "Sae" };
    /// <summary>Steering.MlpProjection, by value.</summary>
    public static readonly string[] Projections = { "Default", "Gate", "Up" };

    private const int First = 3, Last = 4, ActivationNorm = 2, Diff = 1, Pca = 3, Probe = 4, Sae = 6;

    /// <summary>The enum member's name, or its number when it has none (<c>(SteerPositions)7</c>).</summary>
    public static string Name(string[] names, int value) =>
        value >= 0 && value < names.Length ? names[value] : value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The site's settings, or null when one is wrong (the diagnostics say which).</summary>
    public static SiteSettings? Settings(SiteSpec site, HookPointInfo point, ModelSchema schema, EquatableArray<DataFile> files, List<DiagnosticInfo> diagnostics)
    {
        var before = diagnostics.Count;
        void Fail(SettingSpec setting, string value, string why) =>
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSetting, setting.Location ?? site.Attribute, setting.Name, value, why));
        int Enum(string name, string[] names)
        {
            if (site.Setting(name) is not { } setting) return 0;
            var value = (int)setting.Number;
            if (value < 0 || value >= names.Length) Fail(setting, value.ToString(CultureInfo.InvariantCulture), "not a member of the enum (" + string.Join(", ", names) + ")");
            return value;
        }

        var coefficient = 1.0;
        if (site.Setting("Coefficient") is { } c)
        {
            coefficient = c.Number;
            if (double.IsNaN(coefficient) || double.IsInfinity(coefficient)) Fail(c, coefficient.ToString(CultureInfo.InvariantCulture), "a coefficient must be a finite number");
        }

        var positions = Enum("Positions", Positions);
        var count = 0;
        if (site.Setting("Count") is { } k)
        {
            count = (int)k.Number;
            var text = count.ToString(CultureInfo.InvariantCulture);
            if (positions is not (First or Last))
                Fail(k, text, $"a count is for Positions = First or Last, not {Name(Positions, positions)}");
            else if (count < 1 || count > schema.Dimensions.NCtx)
                Fail(k, text, $"the first/last k positions need 1 <= k <= {schema.Dimensions.NCtx} (the context of '{schema.Name}')");
        }
        else if (positions is First or Last && site.Setting("Positions") is { } p)
        {
            Fail(p, Name(Positions, positions), "say how many positions with Count = k");
        }

        var normalization = Enum("Normalization", Normalizations);
        if (normalization == ActivationNorm && !(point.VectorDims.Count == 1 && point.VectorDims[0] == HookDims.DModel))
            Fail(site.Setting("Normalization")!, "ActivationNorm",
                $"'{point.Name}' has vectors [{string.Join(", ", point.VectorDims)}]; scaling to the activation's norm needs a [d_model] point");

        var method = Enum("Method", Methods);
        var pairsSetting = site.Setting("Pairs");
        CheckPairs(site, method, pairsSetting, files, diagnostics, Fail);

        if (site.Setting("Embed") is { Number: not 0 } embed)
        {
            if (site.Vector is null) Fail(embed, "true", "there is no Vector to embed");
            else if (ClassResolver.Find(files, VectorSidecar.PathFor(site.Vector)) is { Sidecar: not null, Resource: null })
                Fail(embed, "true", $"the build does not embed '{site.Vector}': add <SteeringVector Include=\"{site.Vector}\" /> to the project");
        }

        return diagnostics.Count > before ? null : new SiteSettings(coefficient, positions, count, normalization, method);
    }

    private static void CheckPairs(SiteSpec site, int method, SettingSpec? pairs, EquatableArray<DataFile> files, List<DiagnosticInfo> diagnostics,
        System.Action<SettingSpec, string, string> fail)
    {
        var methodSetting = site.Setting("Method");
        if (method == Sae)
        {
            if (pairs is not null) fail(pairs, "\"" + pairs.Text + "\"", "a sparse autoencoder's direction is not built from pairs");
            return;
        }
        if (pairs?.Text is null)
        {
            if (method > 0 && methodSetting is not null) fail(methodSetting, Name(Methods, method), "this method builds the vector from contrastive pairs: add Pairs = \"pairs.json\"");
            return;
        }
        var file = ClassResolver.Find(files, pairs.Text);
        if (file?.PairCount is not int count)
        {
            var why = file is null ? "is not an AdditionalFiles item (add <AdditionalFiles Include=\"" + pairs.Text + "\" />)" : "cannot be read: " + file.Problem;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PairsProblem, pairs.Location ?? site.Attribute, pairs.Text, why));
            return;
        }
        if (count == 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PairsProblem, pairs.Location ?? site.Attribute, pairs.Text, "holds no pairs"));
        else if (methodSetting is not null && method == Diff && count != 1)
            fail(methodSetting, "Diff", $"a difference is of one pair; '{pairs.Text}' has {count} (use MeanDiff)");
        else if (methodSetting is not null && method is Pca or Probe && count < 2)
            fail(methodSetting, Name(Methods, method), $"needs at least 2 pairs; '{pairs.Text}' has {count}");
    }
}
