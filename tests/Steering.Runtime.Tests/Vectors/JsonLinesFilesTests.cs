using System.IO;
using Steering.Tests.Support;
using Steering.Vectors;

namespace Steering.Tests.Vectors;

/// <summary>Pairs and training-target files: both forms, and every problem named by file and line.</summary>
public sealed class JsonLinesFilesTests
{
    [Fact]
    public void Pairs_files_read_plain_and_chat_pairs()
    {
        using var folder = new TempDirectory();
        var path = folder.File("pairs.jsonl");
        File.WriteAllText(path, """
            {"positive": "Love", "negative": "Hate"}

            {"messages": [{"role": "user", "content": "Do you like dogs? (A) yes (B) no"}], "positive": "(A", "negative": "(B"}
            """);
        var pairs = ContrastPairsFile.Read(path);
        Assert.Equal(2, pairs.Count);
        Assert.Equal("Love", pairs[0].Positive.Text);
        Assert.Equal("(B", pairs[1].Negative.Answer);
        Assert.Equal("user", pairs[1].Negative.Messages![0].Role);
    }

    [Theory]
    [InlineData("{\"positive\": \"a\", \"negative\": \"b\"}\n{\"positive\": \"a\", \"negative\": ", "line 2: not valid JSON")]
    [InlineData("{\"positive\": \"a\"}", "line 1: needs a \"negative\" string")]
    [InlineData("\n\n[1, 2]", "line 3: expected a JSON object")]
    [InlineData("{\"positive\": 3, \"negative\": \"b\"}", "line 1: \"positive\" must be a string")]
    [InlineData("\n  \n", "holds no pairs")]
    public void Malformed_pairs_files_name_the_line(string text, string problem)
    {
        using var folder = new TempDirectory();
        var path = folder.File("pairs.jsonl");
        File.WriteAllText(path, text);
        var error = Assert.Throws<SteeringException>(() => ContrastPairsFile.Read(path));
        Assert.Contains(problem, error.Message);
        Assert.StartsWith(path, error.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void Training_target_files_read_prompts_targets_and_contrasts()
    {
        using var folder = new TempDirectory();
        var path = folder.File("t.jsonl");
        File.WriteAllText(path, """
            {"prompt": "I think dogs are", "target": " wonderful", "contrast": " awful"}
            {"messages": [{"role": "user", "content": "Hi"}], "target": "Hello!"}
            """);
        var targets = TrainingTargetsFile.Read(path);
        Assert.Equal(" awful", targets[0].Contrast);
        Assert.Null(targets[1].Contrast);
        Assert.Equal("Hi", targets[1].Messages![0].Content);
        File.WriteAllText(path, "{\"prompt\": \"x\", \"target\": \"\"}");
        Assert.Contains("line 1", Assert.Throws<SteeringException>(() => TrainingTargetsFile.Read(path)).Message);
    }
}
