using System.Collections.Generic;
using System.Linq;
using Steering.Checkpoints;
using Steering.Tests.Support;
using Steering.Vectors;
using static TorchSharp.torch;

namespace Steering.Tests.Vectors;

/// <summary>The <c>[SteerAt]</c> base builds through any builder and saves and loads the one vector file.</summary>
public sealed class SteeringVectorSetTests : IClassFixture<TinyGpt2Folder>
{
    private readonly TinyGpt2Folder _tiny;

    public SteeringVectorSetTests(TinyGpt2Folder tiny)
    {
        _tiny = tiny;
        _ = tiny.Model; // loaded here, outside any test's dispose scope, which would free its weights
    }

    /// <summary>What the generator emits for two sites, by hand.</summary>
    private sealed class TwoSites : SteeringVectorSet
    {
        public TwoSites(HookedTransformer model)
            : base(Site(model, "blocks.0.resid_post"), Site(model, "blocks.1.resid_post")) { }

        private static SteeringSite Site(HookedTransformer model, string name)
        {
            var point = model.Hooks[name];
            return new SteeringSite(new HookPointRef(point.Name, point.Info.Dims.ToArray(), point.VectorShape), SchemaIdentity.Of(model));
        }

        public Tensor? Vector(int site) => GetVector(site);

        public void Load(string path) => SetFromFile(path);
    }

    [Fact]
    public void A_set_builds_with_any_builder_and_round_trips_through_the_vector_file()
    {
        var model = _tiny.Model;
        using var folder = new TempDirectory();
        var builder = VectorBuilders.MeanDiff(new ContrastPair[] { ("Love", "Hate"), ("I love it", "I hate it") });
        using var set = new TwoSites(model);
        set.SetFromBuilder(model, builder);
        using var expected = builder.Build(model, "blocks.0.resid_post", "blocks.1.resid_post");
        TensorAssert.Close(expected["blocks.0.resid_post"], set.Vector(0)!, 1e-6);
        TensorAssert.Close(expected["blocks.1.resid_post"], set.Vector(1)!, 1e-6);

        set.Save(folder.File("set.safetensors"));
        using var file = SteeringVectors.Load(folder.File("set.safetensors"), model);
        Assert.Equal(SchemaIdentity.Of(model), file.ModelIdentity);
        using var loaded = new TwoSites(model);
        loaded.Load(folder.File("set.safetensors"));
        TensorAssert.Close(set.Vector(1)!, loaded.Vector(1)!, 0);
    }

    [Fact]
    public void A_file_made_for_another_model_does_not_load_into_a_set()
    {
        using var folder = new TempDirectory();
        using var scope = NewDisposeScope();
        using var other = TinyGpt2.Create(layers: 3);
        using (var vectors = SteeringVectors.Create(other, new[]
               {
                   new KeyValuePair<string, Tensor>("blocks.0.resid_post", ones(32)), new KeyValuePair<string, Tensor>("blocks.1.resid_post", ones(32)),
               }))
            vectors.Save(folder.File("other.safetensors"));
        using var set = new TwoSites(_tiny.Model);
        var error = Assert.Throws<CheckpointException>(() => set.Load(folder.File("other.safetensors")));
        Assert.Contains("3 layers", error.Message);
        Assert.Contains("2 layers", error.Message);
    }
}
