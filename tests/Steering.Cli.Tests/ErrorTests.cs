using System.IO;
using static TorchSharp.torch;

namespace Steering.Cli.Tests;

[Collection(TinyModelGroup.Name)]
public sealed class ErrorTests(TinyModelFixture tiny)
{
    [Fact]
    public void A_missing_model_folder()
    {
        var missing = Path.Combine(Path.GetTempPath(), "steering-tests", "no-such-model");
        Assert.Contains("no such model folder", Steer.Fails("info", missing));
        Assert.Contains("no such model folder", Steer.Fails("generate", missing, "--prompt", "Hi"));
        Assert.Contains("no such model folder", Steer.Fails("schema", missing));
    }

    [Fact]
    public void An_unknown_hook_name_suggests_the_closest()
    {
        var message = Steer.Fails("trace", tiny.ModelDir, "--prompt", "Hi", "--hooks", "blocks.0.resid_pst", "--out", tiny.NewFile("t.safetensors"));
        Assert.Contains("did you mean 'blocks.0.resid_post'", message);

        var vector = tiny.WriteVector(ones(tiny.Config.NEmbd));
        Assert.Contains("did you mean", Steer.Fails("generate", tiny.ModelDir, "--prompt", "Hi", "--add", $"blocks.1.resid_mdi={vector}"));
        Assert.Contains("the model has 2 blocks", Steer.Fails("vector", tiny.ModelDir, "--hook", "blocks.7.resid_pre",
            "--positive", "a", "--negative", "b", "--out", tiny.NewFile("v.safetensors")));
    }

    [Fact]
    public void A_vector_of_the_wrong_length()
    {
        var vector = tiny.WriteVector(ones(tiny.Config.NEmbd + 3));
        var message = Steer.Fails("generate", tiny.ModelDir, "--prompt", "Hi", "--add", $"blocks.0.resid_pre={vector}*2");
        Assert.Contains($"[{tiny.Config.NEmbd + 3}]", message);
        Assert.Contains($"[{tiny.Config.NEmbd}]", message);
    }

    [Fact]
    public void A_malformed_add_spec_fails_before_the_model_loads()
    {
        Assert.Contains("no '='", Steer.Fails("generate", tiny.ModelDir, "--prompt", "Hi", "--add", "vector.safetensors"));
        Assert.Contains("not a finite number", Steer.Fails("trace", tiny.ModelDir, "--prompt", "Hi", "--hooks", "all", "--out", "x.safetensors",
            "--add", "blocks.0.resid_pre=v.safetensors*lots"));
    }

    [Fact]
    public void A_missing_vector_file() =>
        Assert.Contains("nope.safetensors", Steer.Fails("generate", tiny.ModelDir, "--prompt", "Hi", "--add", "blocks.0.resid_pre=nope.safetensors"));

    [Fact]
    public void Bad_options()
    {
        Steer.Fails("generate", tiny.ModelDir);                                                   // no prompt
        Steer.Fails("generate", tiny.ModelDir, "--prompt", "Hi", "--ids", "1,2");                 // both
        Steer.Fails("generate", tiny.ModelDir, "--ids", "1,x");
        Steer.Fails("generate", tiny.ModelDir, "--ids", "99999");                                 // outside the vocabulary
        Steer.Fails("generate", tiny.ModelDir, "--prompt", "Hi", "--greedy", "--seed", "1");
        Steer.Fails("generate", tiny.ModelDir, "--prompt", "Hi", "--top-p", "2");
        Steer.Fails("generate", tiny.ModelDir, "--prompt", "Hi", "--max-new-tokens", "many");
        Assert.Contains("dtype 'float8'", Steer.Fails("info", tiny.ModelDir, "--dtype", "float8"));
        Assert.Contains("device 'tpu'", Steer.Fails("info", tiny.ModelDir, "--device", "tpu"));
        Steer.Fails("info", tiny.ModelDir, "--no-such-option");
        Steer.Fails("frobnicate");
        Steer.Fails("info");
        Steer.Fails("trace", tiny.ModelDir, "--prompt", "Hi", "--out", "x.safetensors");          // no --hooks
    }

    [Fact]
    public void An_output_file_in_a_missing_folder_fails_before_the_model_loads()
    {
        var output = Path.Combine(Path.GetTempPath(), "steering-tests", "no-such-folder", "t.safetensors");
        Assert.Contains("does not exist", Steer.Fails("trace", tiny.ModelDir, "--prompt", "Hi", "--hooks", "all", "--out", output));
        Assert.Contains("does not exist", Steer.Fails("schema", tiny.ModelDir, "--out", output));
    }

    [Fact]
    public void Verbose_adds_the_stack_trace()
    {
        var run = Steer.Run("info", Path.Combine(Path.GetTempPath(), "steering-tests", "no-such-model"), "--verbose");
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: ", run.ErrorLines[0]);
        Assert.Contains("   at ", run.Error);
    }
}
