using System;
using Steering.Chat;
using static Steering.Tests.Chat.TemplateRendering;

namespace Steering.Tests.Chat;

/// <summary>Bad templates and bad values fail with one line naming the construct and where it is; hostile input terminates.</summary>
public sealed class TemplateErrorTests
{
    [Theory]
    [InlineData("{% if x %}", 1, 4, "'{% if %}' is never closed with '{% endif %}'")]
    [InlineData("line one\n{{ x + }}", 2, 8, "expected an expression, found '}}'")]
    [InlineData("{{ x | nope }}", 1, 6, "unknown filter 'nope'")]
    [InlineData("{{ x is nope }}", 1, 9, "unknown test 'nope'")]
    [InlineData("\n\n  {% include 'other.jinja' %}", 3, 6, "'{% include %}' is not supported by this template interpreter")]
    [InlineData("{% for x in xs recursive %}{% endfor %}", 1, 16, "recursive for loops are not supported")]
    [InlineData("{% frobnicate %}", 1, 4, "unknown statement '{% frobnicate %}'")]
    [InlineData("{% endif %}", 1, 4, "unexpected '{% endif %}'")]
    [InlineData("{% break %}", 1, 4, "'{% break %}' outside a for loop")]
    [InlineData("{{ 'abc }}", 1, 4, "a string literal is never closed")]
    [InlineData("{{ x ", 1, 1, "'{{' is never closed with '}}'")]
    [InlineData("{# note", 1, 1, "a comment '{#' is never closed")]
    [InlineData("{{ (1 }}", 1, 7, "unexpected '}'")]
    [InlineData("{{ x $ y }}", 1, 6, "unexpected character '$'")]
    [InlineData("{{ f(*args) }}", 1, 6, "'*args' and '**kwargs' arguments are not supported")]
    [InlineData("{{ 99999999999999999999 }}", 1, 4, "the integer 99999999999999999999 is too large")]
    public void Syntax_errors_name_the_construct_line_and_column(string template, int line, int column, string problem)
    {
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template));
        Assert.Contains(problem, e.Problem, StringComparison.Ordinal);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.StartsWith($"chat template 'default' line {line}, column {column}: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("{{ x.y.z }}", 1, 5, "'x' is undefined")]
    [InlineData("\n{{ messages[0]['role'] }}", 2, 15, "list object has no element 0")]
    [InlineData("{{ d.a.b }}", 1, 7, "'dict object' has no attribute 'a'")]
    [InlineData("{{ 'a' + 1 }}", 1, 8, "can only concatenate str (not \"int\") to str")]
    [InlineData("{{ 1 + 'a' }}", 1, 6, "unsupported operand type(s) for +: 'int' and 'str'")]
    [InlineData("{{ 1 // 0 }}", 1, 6, "integer division or modulo by zero")]
    [InlineData("{{ 1 < 'a' }}", 1, 4, "'<' not supported between instances of 'int' and 'str'")]
    [InlineData("{{ [1][::0] }}", 1, 7, "slice step cannot be zero")]
    [InlineData("{% set d = {} %}{% set d.a = 1 %}", 1, 20, "cannot assign attribute 'a' on 'd': only a namespace() takes attributes")]
    [InlineData("{% for a, b in [1] %}{% endfor %}", 1, 4, "cannot unpack non-iterable int object")]
    [InlineData("{{ 'x'.nope() }}", 1, 12, "'str object' has no attribute 'nope'")]
    [InlineData("{{ none | tojson }}{{ missing | tojson }}", 1, 31, "Object of type Undefined is not JSON serializable")]
    [InlineData("{{ 'a'.split('') }}", 1, 13, "empty separator")]
    [InlineData("{{ 3 is odd(1) }}", 1, 6, "test 'odd' takes at most 0 arguments, got 1")]
    [InlineData("{{ 'x' | trim(1, 2) }}", 1, 8, "filter 'trim' takes at most 1 argument, got 2")]
    public void Render_errors_name_the_problem_line_and_column(string template, int line, int column, string problem)
    {
        var e = Assert.Throws<TemplateException>(() => Render(template, "{\"d\": {}}"));
        Assert.Equal(problem, e.Problem);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.False(e.RaisedByTemplate);
    }

    [Fact]
    public void Raise_exception_carries_the_templates_own_message()
    {
        var e = Assert.Throws<TemplateException>(() => Render("{% if r != 'user' %}\n  {{ raise_exception('Bad role: ' + r) }}\n{% endif %}", "{\"r\": \"tool\"}"));
        Assert.True(e.RaisedByTemplate);
        Assert.Equal("Bad role: tool", e.Problem);
        Assert.Equal("Bad role: tool (raised by chat template 'default' line 2, column 21)", e.Message);
    }

    [Theory]
    [InlineData("{{ ", "(", "1", ")", " }}")]
    [InlineData("{{ ", "[", "1", "]", " }}")]
    [InlineData("{{ ", "-", "1", "", " }}")]
    [InlineData("{{ ", "not ", "1", "", " }}")]
    [InlineData("", "{% if true %}", "x", "{% endif %}", "")]
    [InlineData("", "{% for x in [1] %}", "x", "{% endfor %}", "")]
    [InlineData("{{ ", "{'a': ", "1", "}", " }}")]
    [InlineData("{{ ", "x[", "1", "]", " }}")]
    public void Deep_nesting_is_an_error_not_a_stack_overflow(string before, string open, string inner, string close, string after)
    {
        var template = before + string.Concat(System.Linq.Enumerable.Repeat(open, 20_000)) + inner + string.Concat(System.Linq.Enumerable.Repeat(close, 20_000)) + after;
        var e = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(template));
        Assert.Contains("nests deeper than", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "loop iterations")]
    [InlineData("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", "longer than")]
    [InlineData("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "the rendered text would be longer than")]
    [InlineData("{{ 'x' * 99999999999 }}", "a repeated string would be longer than")]
    [InlineData("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "macros call each other more than")]
    [InlineData("{{ range(999999999) }}", "more than the 100000 allowed")]
    [InlineData("{{ 2 ** 64 }}", "integer overflow")]
    [InlineData("{% set ns = namespace(v=[0]) %}{% for i in range(30) %}{% set ns.v = ns.v + ns.v %}{% endfor %}", "a list would have more than 1000000 items")]
    [InlineData("{{ ('x' * 2000000) | list | length }}", "the characters of a string would have more than")]
    [InlineData("{{ ['x' * 10000] * 2000 }}", "the printed value would be longer than")]
    [InlineData("{{ 9223372036854775807 + 1 }}", "integer overflow")]
    public void Hostile_templates_stop_with_an_error(string template, string problem)
    {
        var e = Assert.Throws<TemplateException>(() => Render(template));
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recursion_through_nested_bodies_on_a_small_stack_is_an_error_not_a_crash()
    {
        // Each call nests ~90 levels of expressions; 64 calls deep that outgrows a 256 KB stack long before the call limit.
        var body = string.Concat(System.Linq.Enumerable.Repeat("(", 90)) + "f(n + 1)" + string.Concat(System.Linq.Enumerable.Repeat(")", 90));
        var template = ChatTemplate.Parse("{% macro f(n) %}{{ " + body + " }}{% endmacro %}{{ f(0) }}");
        Exception? failure = null;
        var thread = new System.Threading.Thread(() => failure = Record.Exception(() => template.Render([], false)), 256 * 1024);
        thread.Start();
        thread.Join();
        var e = Assert.IsType<TemplateException>(failure);
        Assert.Equal("the template nests too deeply for the stack it renders on", e.Problem);
    }

    [Fact]
    public void Deeply_nested_values_are_an_error_when_printed()
    {
        var nested = string.Concat(System.Linq.Enumerable.Repeat("[", 60)) + string.Concat(System.Linq.Enumerable.Repeat("]", 60));
        const string Deep = "{% set ns = namespace(v=[]) %}{% for i in range(100000) %}{% set ns.v = [ns.v] %}{% endfor %}";
        foreach (var use in new[] { "{{ ns.v }}", "{{ ns.v == [ns.v] }}", "{{ ns.v < [ns.v] }}", "{{ ns.v in [ns.v] }}", "{{ ns.v | tojson }}" })
            Assert.Contains("nests deeper than", Assert.Throws<TemplateException>(() => Render(Deep + use)).Message, StringComparison.Ordinal);
        Assert.Equal(nested, Render("{{ " + nested + " }}"));
    }
}
