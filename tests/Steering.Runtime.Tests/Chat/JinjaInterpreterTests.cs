using static Steering.Tests.Chat.TemplateRendering;

namespace Steering.Tests.Chat;

/// <summary>
/// Each construct of the interpreter against what Jinja2 (as Hugging Face configures it) prints — expected values worked
/// out from Jinja2's and Python's documented semantics.
/// </summary>
public sealed class JinjaInterpreterTests
{
    [Theory]
    [InlineData("{% if true %}\nx\n{% endif %}\ny", "x\ny")]                                   // trim_blocks
    [InlineData("a\n    {% if true %}\n    b\n    {% endif %}\nc", "a\n    b\nc")]              // lstrip_blocks
    [InlineData("a   {{- 'b' -}}   c  {%- if true -%}  d  {%- endif %}", "abcd")]                 // '-' on both sides
    [InlineData("{{ 'a' }}\n{{ 'b' }}\n", "a\nb")]                                                // output keeps its newline; one trailing newline dropped
    [InlineData("x\n\n", "x\n")]
    [InlineData("  {{ 'x' }}", "  x")]                                                            // lstrip_blocks leaves output tags alone
    [InlineData("  {%+ if true %}x{% endif %}", "  x")]                                           // '+' keeps the indentation
    [InlineData("{% if true +%}\nx{% endif %}", "\nx")]                                           // '+' keeps the newline
    [InlineData("{% if true %}  \nx{% endif %}", "  \nx")]                                        // trim_blocks removes a newline only
    [InlineData("{# comment #}\nx", "x")]
    [InlineData("a{# c #}b  {#- c -#}  c", "abc")]
    [InlineData("{{ 'x' }}   {% if true %}y{% endif %}", "x   y")]                                // not at a line start: not stripped
    [InlineData("{% raw %}{{ x }}{% endraw %}", "{{ x }}")]
    [InlineData("a\r\nb", "a\nb")]
    [InlineData("{% for x in [1, 2] %}\n  {{ x }}\n{% endfor %}", "  1\n  2\n")]
    public void Whitespace_control(string template, string expected) => Assert.Equal(expected, Render(template));

    [Theory]
    [InlineData("{{ 1 + 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7 / 2 }} {{ 6 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }}", "3 3 -4 2 -2 3.5 3.0 1024 0.5")]
    [InlineData("{{ 1.5 + 1 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-5 }} {{ 10.0 }} {{ -7.5 // 2 }} {{ -7.5 % 2 }} {{ 1_000 }}", "2.5 0.30000000000000004 1e+20 1e-05 10.0 -4.0 0.5 1000")]
    [InlineData("{{ 1 // 0.1 }} {{ -12.0 % 6 }} {{ 1 % -0.3 }} {{ -0.0 // 5 }} {{ 7.5 // -2 }}", "9.0 0.0 -0.19999999999999996 -0.0 -4.0")]
    [InlineData("{{ 2 + 3 * 4 }} {{ (2 + 3) * 4 }} {{ 2 * 3 ** 2 }} {{ 10 - 2 - 3 }} {{ 2 ** 3 ** 2 }}", "14 20 18 5 64")]
    [InlineData("{{ 'a' ~ 1 ~ true ~ none ~ missing }}", "a1TrueNone")]
    [InlineData("{{ none }}|{{ true }}|{{ False }}|{{ missing }}|{{ True + 1 }}", "None|True|False||2")]
    [InlineData("{{ [1, 'a', none, true, 1.0] }} {{ {'k': 'v', 'n': 1} }} {{ (1, 2) }} {{ [] }} {{ () }}", "[1, 'a', None, True, 1.0] {'k': 'v', 'n': 1} (1, 2) [] ()")]
    [InlineData("{{ \"it's\" }} {{ [\"it's\", 'a\\nb'] }} {{ 'x' 'y' }}", "it's [\"it's\", 'a\\nb'] xy")]
    [InlineData("{{ 'a\\nb\\t\\u00e9\\x41\\\\\\q' }}", "a\nb\téA\\\\q")]
    [InlineData("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 != 2 }} {{ none == none }}", "True False True True True True True True")]
    [InlineData("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in d }} {{ 'q' not in d }} {{ not 'k' in d }} {{ 'x' in missing }}", "True True True True False False")]
    [InlineData("{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ '' and 'b' }}|{{ not true and false }} {{ true or missing.attr }}", "x b |False True")]
    [InlineData("{{ 'yes' if flag else 'no' }}{{ 'a' if false }}|{{ 1 if false else 2 if false else 3 }}", "yes|3")]
    [InlineData("{{ 'a' + ' b ' | trim + 'c' }} {{ -3 | abs }} {{ 'ab' * 3 }} {{ [0] * 2 }} {{ 3 * 'x' }}", "abc 3 ababab [0, 0] xxx")]
    [InlineData("{{ {'a': 1} == {'a': 1.0} }} {{ [1, [2]] == [1, [2]] }} {{ {'a': 1} == {'a': 2} }}", "True True False")]
    public void Expressions_have_python_semantics(string template, string expected) => Assert.Equal(expected, Render(template, "{\"flag\": true, \"d\": {\"k\": 1}}"));

    [Theory]
    [InlineData("{{ xs[0] }}{{ xs[-1] }}{{ xs[1:3] }}{{ xs[::-1] }}{{ xs[::2] }}{{ xs[-2:] }}{{ xs[:-2:-1] }}{{ xs[10:] }}{{ xs[3:1] }}{{ xs[-1:0:-1] }}{{ xs[-100:2] }}", "15[2, 3][5, 4, 3, 2, 1][1, 3, 5][4, 5][5][][][5, 4, 3, 2][1, 2]")]
    [InlineData("{{ 'hello'[1:3] }}{{ 'hello'[::-1] }}{{ 'héllo🙂'[-1] }}{{ 'a🙂b' | length }}{{ 'a🙂b'[::-1] }}{{ 'abc'[-1] }}", "elolleh🙂3b🙂ac")]
    [InlineData("{{ d.k }}{{ d['k'] }}{{ d.get('k') }}{{ d.get('q', 'z') }}{{ d.get('q') }}{{ xs.0 }}", "vvvzNone1")]
    [InlineData("[{{ xs[10] }}|{{ d.nope }}|{{ d['nope'] }}|{{ 'abc'.nope }}|{{ none.x }}]", "[||||]")]
    [InlineData("{{ d.keys() | list }}{{ d.values() | list }}{{ d | length }}", "['k']['v']1")]
    public void Subscripts_and_slices(string template, string expected) => Assert.Equal(expected, Render(template, "{\"xs\": [1, 2, 3, 4, 5], \"d\": {\"k\": \"v\"}}"));

    [Theory]
    [InlineData("{% for x in xs %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }};{% endfor %}", "10TrueFalse221;21FalseTrue210;")]
    [InlineData("{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}", "-2;1-3;2-;")]
    [InlineData("{% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1] %}x{% else %}empty{% endfor %}", "empty|x")]
    [InlineData("{% for x in [1, 2, 3, 4] if x % 2 == 0 %}{{ loop.index }}:{{ x }}{{ ',' if not loop.last }}{% endfor %}", "1:2,2:4")]
    [InlineData("{% for n in [1, 2, 3, 4] %}{% if n == 2 %}{% continue %}{% endif %}{% if n == 4 %}{% break %}{% endif %}{{ n }}{% endfor %}", "13")]
    [InlineData("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{% for k in d %}{{ k }}{% endfor %}{% for k, v in d | items %}{{ v }}{% endfor %}", "x=1;y=z;xy1z")]
    [InlineData("{% for c in 'ab' %}[{{ c }}]{% endfor %}{% for x in missing %}never{% endfor %}", "[a][b]")]
    [InlineData("{% set a = 1 %}{% for x in [1] %}{% set a = 2 %}{{ a }}{% endfor %}{{ a }}{% if true %}{% set b = 3 %}{% endif %}{{ b }}", "213")]
    [InlineData("{% set ns = namespace(total=0, seen=false) %}{% for x in [1, 2, 3] %}{% set ns.total = ns.total + x %}{% endfor %}{{ ns.total }} {{ ns.seen }}", "6 False")]
    [InlineData("{% for a in [1, 2] %}{% for b in [3, 4] %}{{ loop.index }}{% endfor %}{{ loop.index }}{% endfor %}", "121122")]
    [InlineData("{% for i in range(3) %}{{ i }}{% endfor %}{{ range(1, 8, 3) | list }}{{ range(3, 0, -1) | list }}{{ range(0) | list }}", "012[1, 4, 7][3, 2, 1][]")]
    [InlineData("{% set a, b = [1, 2] %}{{ b }}{{ a }}{% set t = 1, 2 %}{{ t }}{{ (1,) }}{{ d.items() | list }}", "21(1, 2)(1,)[('x', 1), ('y', 'z')]")]
    [InlineData("{% set x %}a{{ 1 + 1 }}b{% endset %}[{{ x }}]", "[a2b]")]
    [InlineData("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bo') }} {{ greet('Al', punct='?') }} {{ greet(name='Cy') }}", "Hi Bo! Hi Al? Hi Cy!")]
    [InlineData("{% generation %}x{% endgeneration %}", "x")]
    public void Statements(string template, string expected) => Assert.Equal(expected, Render(template, "{\"xs\": [\"a\", \"b\"], \"d\": {\"x\": 1, \"y\": \"z\"}}"));

    [Theory]
    [InlineData("{{ '  x  ' | trim }}|{{ 'xxhixx' | trim('x') }}|{{ xs | length }}|{{ 'Ab' | upper }}{{ 'Ab' | lower }}|{{ xs | join('-') }}|{{ xs | first }}{{ xs | last }}|{{ missing | default('d') }}|{{ '' | default('e', true) }}{{ '' | default('e') }}|{{ 5 | string }}|{{ 'hello world-wide' | title }}|{{ 'hELLO' | capitalize }}", "x|hi|3|ABab|1-2-3|13|d|e|5|Hello World-Wide|Hello")]
    [InlineData("{{ {'a': [1, 'x', none, true, 1.5], 'é': 'ü\"\n'} | tojson }}", "{\"a\": [1, \"x\", null, true, 1.5], \"é\": \"ü\\\"\\n\"}")]
    [InlineData("{{ {'b': [1, {'c': 'x'}], 'a': {}, 'e': []} | tojson(indent=2) }}", "{\n  \"b\": [\n    1,\n    {\n      \"c\": \"x\"\n    }\n  ],\n  \"a\": {},\n  \"e\": []\n}")]
    [InlineData("{{ 'é' | tojson(ensure_ascii=true) }} {{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }} {{ 'x' | tojson }}", "\"\\u00e9\" {\"a\": 2, \"b\": 1} \"x\"")]
    [InlineData("{{ msgs | map(attribute='role') | join(',') }}|{{ msgs | selectattr('role', 'equalto', 'user') | list | length }}|{{ msgs | rejectattr('role', 'equalto', 'user') | map(attribute='content') | first }}|{{ [1, 0, 2, none] | select | list }}|{{ ['a', 'b', 'c'] | reject('equalto', 'b') | join }}|{{ ['a', 'B'] | map('upper') | join }}|{{ msgs | selectattr('flag') | list | length }}", "system,user,user|2|s|[1, 2]|ac|AB|1")]
    [InlineData("{{ 'aaa' | replace('a', 'b', 2) }} {{ 'a-b' | replace('-', '+') }} {{ 'ab' | replace('', '.') }}", "bba a+b .a.b.")]
    [InlineData("{{ '42' | int + 1 }} {{ '3.9' | int }} {{ 'x' | int }} {{ 'x' | int(7) }} {{ '2.5' | float }} {{ 3 | float }} {{ 'ff' | int(base=16) }}", "43 3 0 7 2.5 3.0 255")]
    [InlineData("{{ 'ab' | list }} {{ [1, 2] | reverse | list }}{{ 'ab' | reverse }} {{ [] | first }}|{{ [1, 2, 3] | sum }} {{ 2.5 | round }} {{ 3.14159 | round(2) }} {{ 2.1 | round(0, 'ceil') }} {{ 'x' | count }} {{ 2.675 | round(2) }} {{ 3 | round }}", "['a', 'b'] [2, 1]ba |6 2.0 3.14 3.0 1 2.67 3")]
    public void Filters(string template, string expected) => Assert.Equal(expected, Render(template,
        "{\"xs\": [1, 2, 3], \"msgs\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"u1\", \"flag\": true}, {\"role\": \"user\", \"content\": \"u2\"}]}"));

    [Fact]
    public void Tests_as_jinja2_defines_them() => Assert.Equal(
        "True False True True True True True True True False True True True True True True False True False True True",
        Render("{{ x is defined }} {{ y is defined }} {{ y is not defined }} {{ n is none }} {{ s is string }} {{ 1 is number }} {{ d is mapping }} "
            + "{{ xs is iterable }} {{ s is iterable }} {{ 1 is iterable }} {{ xs is sequence }} {{ true is boolean }} {{ 3 is odd }} {{ 4 is even }} "
            + "{{ 9 is divisibleby 3 }} {{ 'a' is equalto 'a' }} {{ 'a' is eq 'b' }} {{ false is false }} {{ 1 is true }} {{ nothing is iterable }} {{ nothing is sequence }}",
            "{\"x\": 1, \"n\": null, \"s\": \"s\", \"d\": {}, \"xs\": []}"));

    [Theory]
    [InlineData("{{ ' x '.strip() }}|{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}|{{ 'ab'.upper() }}|{{ 'hello world'.title() }}|{{ \"they're\".title() }}|{{ ' x '.lstrip() }}|{{ ' x '.rstrip() }}|", "x|TrueTrue|AB|Hello World|They'Re|x | x|")]
    [InlineData("[{{ '\\n\\nx\\n'.strip('\\n') }}][{{ 'xxay'.lstrip('x') }}][{{ 'ayyx'.rstrip('xy') }}][{{ '\\u3000x\\x1f'.strip() }}]", "[x][ay][a][x]")]
    [InlineData("{{ 'a<b>c<b>'.split('<b>') }}{{ ' a  b '.split() }}{{ 'x'.split(',') }}{{ 'r</think>a'.split('</think>')[-1] }}{{ 'a,b,c'.split(',', 1) }}{{ ''.split() }}", "['a', 'c', '']['a', 'b']['x']a['a', 'b,c'][]")]
    [InlineData("{{ 'a.b.c'.replace('.', '/') }} {{ 'a🙂bc'.find('c') }} {{ 'abc'.find('z') }} {{ '-'.join(['a', 'b']) }} {{ 'hELLO'.capitalize() }} {{ 'AbC'.lower() }}", "a/b/c 3 -1 a-b Hello abc")]
    public void String_methods_as_python(string template, string expected) => Assert.Equal(expected, Render(template));

    [Fact]
    public void Messages_are_dicts_with_their_extra_fields_and_content_parts()
    {
        var messages = Steering.Chat.ChatMessagesFile.Parse(
            """[{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "hi"}]}, {"role": "assistant", "content": null, "n": 1.5, "tool_calls": [{"id": "a"}]}]"""u8,
            "inline");
        var text = Steering.Chat.ChatTemplate.Parse(
            "{% for m in messages %}{{ m.role }}:{{ m.content is none }}:{{ m.content | tojson }}:{{ m.n }}:{{ m.tool_calls[0].id if m.tool_calls is defined }}:{{ 'tool_calls' in m }};{% endfor %}{{ add_generation_prompt }}{{ tools }}")
            .Render(messages, addGenerationPrompt: true);
        Assert.Equal("user:False:[{\"type\": \"image\"}, {\"type\": \"text\", \"text\": \"hi\"}]:::False;assistant:True:null:1.5:a:True;TrueNone", text);
    }

    [Fact]
    public void Special_tokens_are_defined_only_when_given()
    {
        var template = Steering.Chat.ChatTemplate.Parse("{{ bos_token is defined }}{{ bos_token }}|{{ eos_token }}");
        Assert.Equal("False|", template.Render([], false));
        Assert.Equal("True<s>|</s>", template.Render([], false, new Steering.Chat.ChatTemplateContext { BosToken = "<s>", EosToken = "</s>" }));
    }
}
