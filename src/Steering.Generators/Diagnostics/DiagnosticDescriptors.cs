using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Steering.Generators.Diagnostics;

/// <summary>
/// Every diagnostic the Steering generator and analyzer report, in one place. Ids are stable (STEER0xx), listed in
/// AnalyzerReleases.Unshipped.md and documented in docs/diagnostics.md.
/// </summary>
public static class DiagnosticDescriptors
{
    /// <summary>The property that carries a did-you-mean suggestion for the code fix.</summary>
    public const string SuggestionProperty = "Suggestion";

    /// <summary>
    /// Where the rules are documented: docs/diagnostics.md of the project's documentation, one anchor per id. An absolute
    /// address an IDE can open, set in one place (<c>SteeringDocumentationUrl</c> in Directory.Build.props, compiled
    /// into this assembly's metadata).
    /// </summary>
    public static readonly string HelpLinkBase = typeof(DiagnosticDescriptors).Assembly
        .GetCustomAttributes(typeof(AssemblyMetadataAttribute), inherit: false).Cast<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "SteeringDocumentationUrl")?.Value?.TrimEnd('/') + "/docs/diagnostics.md#";

    private const string Category = "Steering";

    /// <summary>STEER001: a hook name the schema does not have.</summary>
    public static readonly DiagnosticDescriptor UnknownHookName = new(
        "STEER001", "Unknown hook point", "{0} (schema '{1}')", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer001");

    /// <summary>STEER002: a block index beyond the schema's layers.</summary>
    public static readonly DiagnosticDescriptor LayerOutOfRange = new(
        "STEER002", "Block index beyond the model", "{0} (schema '{1}')", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer002");

    /// <summary>STEER003: the class is not partial.</summary>
    public static readonly DiagnosticDescriptor ClassNotPartial = new(
        "STEER003", "[SteerAt] class must be partial", "'{0}' must be declared partial: the generator adds its hook points, vectors and Apply", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer003");

    /// <summary>STEER004: a class shape the generator cannot extend.</summary>
    public static readonly DiagnosticDescriptor UnsupportedClassShape = new(
        "STEER004", "Unsupported [SteerAt] class", "'{0}' cannot carry [SteerAt]: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer004");

    /// <summary>STEER005: no schema in the project.</summary>
    public static readonly DiagnosticDescriptor NoSchema = new(
        "STEER005", "No model schema", "no model schema in this project: write one with 'steer schema MODEL_DIR --out gpt2.schema.json' and add <AdditionalFiles Include=\"gpt2.schema.json\" /> to the project file", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer005");

    /// <summary>STEER006: several schemas and no choice.</summary>
    public static readonly DiagnosticDescriptor AmbiguousSchema = new(
        "STEER006", "Several model schemas", "several model schemas are in this project ({0}): choose one with [SteerAt(..., Schema = \"name\")] or [assembly: SteeringSchema(\"name\")]", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer006");

    /// <summary>STEER007: the chosen schema does not exist.</summary>
    public static readonly DiagnosticDescriptor SchemaNotFound = new(
        "STEER007", "Named schema not found", "no model schema named '{0}' in this project (schemas: {1})", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer007");

    /// <summary>STEER008: a schema file that is not valid JSON or lacks a field.</summary>
    public static readonly DiagnosticDescriptor MalformedSchema = new(
        "STEER008", "Malformed model schema", "model schema '{0}' is malformed: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer008");

    /// <summary>STEER009: a schema format version this version does not read.</summary>
    public static readonly DiagnosticDescriptor UnknownSchemaFormat = new(
        "STEER009", "Unknown schema format", "model schema '{0}': {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer009");

    /// <summary>STEER010: a schema whose parts disagree.</summary>
    public static readonly DiagnosticDescriptor InconsistentSchema = new(
        "STEER010", "Inconsistent model schema", "model schema '{0}' is inconsistent: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer010");

    /// <summary>STEER011: a Vector whose sidecar is not among AdditionalFiles.</summary>
    public static readonly DiagnosticDescriptor VectorSidecarMissing = new(
        "STEER011", "Vector sidecar missing", "the vector '{0}' cannot be checked: its sidecar '{1}' is not an AdditionalFiles item (write vectors with 'steer vector' or SteeringVectorSet.Save, which write the sidecar, and add <AdditionalFiles Include=\"{1}\" />)", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer011");

    /// <summary>STEER012: a sidecar that cannot be read.</summary>
    public static readonly DiagnosticDescriptor VectorSidecarUnreadable = new(
        "STEER012", "Vector sidecar unreadable", "the sidecar of the vector '{0}' cannot be read: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer012");

    /// <summary>STEER013: a vector made for another hook point or of another shape.</summary>
    public static readonly DiagnosticDescriptor VectorMismatch = new(
        "STEER013", "Vector does not fit the site", "the vector '{0}' does not fit '{1}': {2}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer013");

    /// <summary>STEER014: the same hook point twice in one class.</summary>
    public static readonly DiagnosticDescriptor DuplicateSite = new(
        "STEER014", "Duplicate site", "'{0}' steers at '{1}' twice; one vector per hook point", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer014");

    /// <summary>STEER015: two sites with the same property name.</summary>
    public static readonly DiagnosticDescriptor DuplicateName = new(
        "STEER015", "Duplicate site name", "'{0}' has two sites named '{1}'; give one another Name", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer015");

    /// <summary>STEER016: a Name that is not a usable member name.</summary>
    public static readonly DiagnosticDescriptor InvalidSiteName = new(
        "STEER016", "Invalid site name", "'{0}' cannot be a site name: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer016");

    /// <summary>STEER017: a hook point where a vector cannot be added.</summary>
    public static readonly DiagnosticDescriptor HookTakesNoVector = new(
        "STEER017", "Hook point takes no vector", "'{0}' {1} is not per-position: a steering vector cannot be added there (steer a point with dims [batch, pos, …])", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer017");

    /// <summary>STEER018: a string literal passed as a [HookName] argument that the schema does not have.</summary>
    public static readonly DiagnosticDescriptor UnknownHookNameArgument = new(
        "STEER018", "Unknown hook point in a call", "{0} (schema '{1}')", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer018");

    /// <summary>STEER019: a [SteerAt] argument that is not a constant string.</summary>
    public static readonly DiagnosticDescriptor InvalidAttributeArgument = new(
        "STEER019", "Invalid [SteerAt] argument", "[SteerAt] needs a constant hook name", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer019");

    /// <summary>STEER020: a site setting that is out of range or does not fit the site's point or the other settings.</summary>
    public static readonly DiagnosticDescriptor InvalidSetting = new(
        "STEER020", "Invalid site setting", "{0} = {1}: {2}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer020");

    /// <summary>STEER021: the pairs file is missing, unreadable, or has too few pairs for the method.</summary>
    public static readonly DiagnosticDescriptor PairsProblem = new(
        "STEER021", "Contrastive pairs missing or unfit", "the pairs '{0}' {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer021");

    /// <summary>STEER022: the vector file was built for another model than the site's schema.</summary>
    public static readonly DiagnosticDescriptor VectorForAnotherModel = new(
        "STEER022", "Vector built for another model", "the vector '{0}' was built for {1}; this site is checked against {2}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer022");

    /// <summary>STEER023: a constant block index beyond a schema class's blocks (<c>Gpt2.Blocks[99]</c>).</summary>
    public static readonly DiagnosticDescriptor BlockIndexOutOfRange = new(
        "STEER023", "Block index beyond the model", "{0}.Blocks[{1}]: {2}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer023");

    /// <summary>STEER099: the generator failed; the message says where.</summary>
    public static readonly DiagnosticDescriptor InternalError = new(
        "STEER099", "Steering generator failure", "the Steering generator failed ({0}): {1}; please report it", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "steer099");

    private static readonly Dictionary<string, DiagnosticDescriptor> Index = new DiagnosticDescriptor[]
    {
        UnknownHookName, LayerOutOfRange, ClassNotPartial, UnsupportedClassShape, NoSchema, AmbiguousSchema, SchemaNotFound,
        MalformedSchema, UnknownSchemaFormat, InconsistentSchema, VectorSidecarMissing, VectorSidecarUnreadable, VectorMismatch,
        DuplicateSite, DuplicateName, InvalidSiteName, HookTakesNoVector, UnknownHookNameArgument, InvalidAttributeArgument, InvalidSetting, PairsProblem, VectorForAnotherModel, BlockIndexOutOfRange, InternalError,
    }.ToDictionary(d => d.Id, StringComparer.Ordinal);

    /// <summary>Every descriptor, by id.</summary>
    public static IReadOnlyCollection<DiagnosticDescriptor> All => Index.Values;

    /// <summary>The descriptor with <paramref name="id"/>.</summary>
    public static DiagnosticDescriptor ById(string id) => Index[id];
}
