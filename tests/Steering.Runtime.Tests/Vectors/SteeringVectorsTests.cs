using System.Collections.Generic;
using System.IO;
using System.Linq;
using Steering.Checkpoints;
using Steering.Schema;
using Steering.Tests.Support;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Tests.Vectors;

/// <summary>The one steering-vector file: several sites, the model's identity, older files, bad input.</summary>
public sealed class SteeringVectorsTests : IClassFixture<TinyGpt2Folder>
{
    private readonly TinyGpt2Folder _tiny;

    public SteeringVectorsTests(TinyGpt2Folder tiny)
    {
        _tiny = tiny;
        _ = tiny.Model; // loaded here, outside any test's dispose scope, which would free its weights
    }

    private HookedTransformer Model => _tiny.Model;

    private static KeyValuePair<string, Tensor> Site(string hook, Tensor vector) => new(hook, vector);

    [Fact]
    public void A_multi_site_file_round_trips_with_the_model_identity_method_and_metadata()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        var width = _tiny.Config.NEmbd;
        var a = arange(width, ScalarType.Float32);
        var b = -arange(width, ScalarType.Float32) / 3;
        using (var vectors = SteeringVectors.Create(Model, new[] { Site("blocks.1.hook_resid_post", a), Site("blocks.0.resid_pre", b) },
                   "mean-diff", new Dictionary<string, string> { ["steering.pairs"] = "12" }))
            vectors.Save(folder.File("v.safetensors"));

        using var loaded = SteeringVectors.Load(folder.File("v.safetensors"));
        Assert.Equal(new[] { "blocks.0.resid_pre", "blocks.1.resid_post" }, loaded.Sites); // stored in name order
        TensorAssert.Equal(a, loaded["blocks.1.resid_post"]);
        TensorAssert.Equal(b, loaded["blocks.0.hook_resid_pre"]);
        Assert.Equal(SchemaIdentity.Of(Model), loaded.ModelIdentity);
        Assert.Equal("mean-diff", loaded.Method);
        Assert.Equal("12", loaded.Metadata["steering.pairs"]);
        loaded.Check(Model);

        // The header says what the contract says, readable by anyone with a safetensors reader.
        using var file = SafetensorsFile.Open(folder.File("v.safetensors"));
        Assert.Equal("1", file.Metadata["steering.format"]);
        Assert.Equal("gpt2", file.Metadata["steering.architecture"]);
        Assert.Equal(Model.Schema.Name, file.Metadata["steering.model"]);
        Assert.Contains($"d_model={width}", file.Metadata["steering.dimensions"], System.StringComparison.Ordinal);
        Assert.Contains("n_layers=2", file.Metadata["steering.dimensions"], System.StringComparison.Ordinal);
        Assert.All(file.Entries, e => Assert.Equal(SafetensorsDType.F32, e.DType));

        // The sidecar lets the compiler check [SteerAt(Vector = ...)] sites.
        var sidecar = VectorSidecar.Read(File.ReadAllText(folder.File("v.safetensors.json")));
        Assert.Equal(Model.Schema.Name, sidecar.Model);
        Assert.Equal(new[] { "blocks.0.resid_pre", "blocks.1.resid_post" }, sidecar.Vectors.Select(v => v.Hook).Order());
    }

    [Fact]
    public void One_site_of_a_file_is_a_one_site_vector()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using var both = SteeringVectors.Create(Model, new[] { Site("blocks.0.resid_post", ones(32)), Site("blocks.1.resid_post", ones(32) * 2) });
        using var one = both.Subset("blocks.1.resid_post");
        one.Save(folder.File("one.safetensors"));
        using var view = SteeringVector.Load(folder.File("one.safetensors"));
        Assert.Equal("blocks.1.resid_post", view.HookName);
        TensorAssert.Equal(ones(32) * 2, view.Values);
        Assert.Contains("holds 2 tensors", Assert.Throws<CheckpointException>(() =>
        {
            both.Save(folder.File("both.safetensors"));
            SteeringVector.Load(folder.File("both.safetensors"));
        }).Message);
        Assert.Contains("holds vectors for 2 hook points", Assert.Throws<SteeringException>(() => both.Single).Message);
    }

    [Fact]
    public void Older_files_keep_loading()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        // SteeringVector's format: one tensor "vector" and the hook in the metadata.
        SafetensorsWriter.Write(folder.File("old.safetensors"), new[] { Site("vector", full(32, 0.5f)) },
            new Dictionary<string, string> { ["steering.hook"] = "blocks.1.resid_pre" });
        // SteeringVectorSet's: a tensor per hook and the schema name.
        SafetensorsWriter.Write(folder.File("set.safetensors"), new[] { Site("blocks.0.resid_post", ones(32)), Site("blocks.1.resid_post", zeros(32)) },
            new Dictionary<string, string> { ["steering.schema"] = "tiny" });

        using var old = SteeringVectors.Load(folder.File("old.safetensors"));
        Assert.Equal(new[] { "blocks.1.resid_pre" }, old.Sites);
        Assert.Null(old.ModelIdentity);
        TensorAssert.Equal(full(32, 0.5f), old.Single);
        old.Check(Model);

        using var set = SteeringVectors.Load(folder.File("set.safetensors"));
        Assert.Equal(new[] { "blocks.0.resid_post", "blocks.1.resid_post" }, set.Sites);
        set.Check(Model);
    }

    [Fact]
    public void A_vector_for_another_model_is_an_error_naming_both()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using var other = TinyGpt2.Create(layers: 3);
        using (var vectors = SteeringVectors.Create(other, new[] { Site("blocks.2.resid_post", ones(32)) }))
            vectors.Save(folder.File("other.safetensors"));
        var error = Assert.Throws<SteeringException>(() => SteeringVectors.Load(folder.File("other.safetensors"), Model));
        Assert.Contains("other.safetensors", error.Message);
        Assert.Contains("3 layers", error.Message);
        Assert.Contains("2 layers", error.Message);
    }

    [Fact]
    public void Wrong_sizes_nan_and_unknown_points_are_clear_errors()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        var wrong = Assert.Throws<SteeringException>(() => SteeringVectors.Create(Model, new[] { Site("blocks.0.resid_post", ones(31)) }));
        Assert.Contains("[31]", wrong.Message);
        Assert.Contains("[32]", wrong.Message);

        var nan = ones(32);
        nan[3] = tensor(float.PositiveInfinity);
        Assert.Contains("NaN or infinity", Assert.Throws<SteeringException>(() => SteeringVectors.Create(new[] { Site("blocks.0.resid_post", nan) })).Message);
        SafetensorsWriter.Write(folder.File("nan.safetensors"), new[] { Site("blocks.0.resid_post", nan) });
        var fromFile = Assert.Throws<CheckpointException>(() => SteeringVectors.Load(folder.File("nan.safetensors")));
        Assert.Contains("nan.safetensors", fromFile.Message);

        SafetensorsWriter.Write(folder.File("wide.safetensors"), new[] { Site("blocks.0.resid_post", ones(64)) });
        using var wide = SteeringVectors.Load(folder.File("wide.safetensors"));
        var shape = Assert.Throws<SteeringException>(() => wide.Check(Model));
        Assert.Contains("wide.safetensors", shape.Message);
        Assert.Contains("[64]", shape.Message);

        Assert.Throws<Steering.Hooks.UnknownHookPointException>(() => SteeringVectors.Create(Model, new[] { Site("blocks.9.resid_post", ones(32)) }));
        Assert.Contains("at least one", Assert.Throws<SteeringException>(() => SteeringVectors.Create(System.Array.Empty<KeyValuePair<string, Tensor>>())).Message);
    }
}
