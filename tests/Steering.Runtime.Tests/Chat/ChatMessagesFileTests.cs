using System;
using System.IO;
using System.Text;
using Steering.Chat;
using Steering.Tests.Support;

namespace Steering.Tests.Chat;

public sealed class ChatMessagesFileTests
{
    [Fact]
    public void Reads_roles_text_parts_null_content_and_extra_fields()
    {
        using var folder = new TempDirectory();
        var path = folder.Write("chat.json", Encoding.UTF8.GetBytes("""
            [
              {"role": "system", "content": "Be brief."},
              {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What is this?"}]},
              {"role": "assistant", "content": null, "tool_calls": [{"function": {"name": "f"}}]}
            ]
            """));
        var messages = ChatMessagesFile.Read(path);
        Assert.Equal(3, messages.Count);
        Assert.Equal(("system", "Be brief."), (messages[0].Role, messages[0].Content));
        Assert.Equal([new ChatContentPart("image"), ChatContentPart.FromText("What is this?")], messages[1].Parts!);
        Assert.Null(messages[2].Content);
        Assert.Null(messages[2].Parts);
        Assert.Equal("f", messages[2].Fields["tool_calls"][0].GetProperty("function").GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("[\n  {\"role\": \"user\", \"content\": \"hi\"}\n  {\"role\": \"user\"}\n]", "line 3, column 3: not valid JSON")]
    [InlineData("{\"role\": \"user\"}", "line 1, column 1: expected a JSON list of messages")]
    [InlineData("[\n  {\"content\": \"x\"}\n]", "line 2, column 3: message 1 needs a string \"role\"")]
    [InlineData("[{\"role\": \"user\", \"content\": \"a\"},\n \"just text\"]", "line 2, column 2: message 2 must be an object")]
    [InlineData("[{\"role\": \"user\", \"content\": 42}]", "line 1, column 2: message 1: \"content\" must be a string, a list of parts or null")]
    [InlineData("[{\"role\": \"user\", \"content\": [{\"text\": \"no type\"}]}]", "message 1: every content part must be an object with a string \"type\"")]
    [InlineData("[{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": 7}]}]", "message 1: a part's \"text\" must be a string")]
    [InlineData("[] []", "line 1, column 4: not valid JSON")]
    [InlineData("[{\"role\": \"é\", \"content\": \"ü\"} {}]", "line 1, column 32: not valid JSON")]
    [InlineData("[{\"role\": \"é\", \"content\": \"ü\"}, {\"role\": 1}]", "line 1, column 33: message 2 needs a string \"role\"")]
    public void Malformed_files_name_line_and_column(string json, string problem)
    {
        var e = Assert.Throws<SteeringException>(() => ChatMessagesFile.Parse(Encoding.UTF8.GetBytes(json), "chat.json"));
        Assert.StartsWith("chat.json ", e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "chat.json");
        Assert.Contains(path, Assert.Throws<SteeringException>(() => ChatMessagesFile.Read(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_byte_order_mark_is_accepted()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.AsSpan().ToArray();
        var json = Encoding.UTF8.GetBytes("[{\"role\": \"user\", \"content\": \"hi\"}]");
        var messages = ChatMessagesFile.Parse([.. bytes, .. json], "bom.json");
        Assert.Equal("hi", Assert.Single(messages).Content);
    }
}
