# Renders templates with Python's Jinja2 set up as transformers' apply_chat_template sets it up, and writes
# ../python-jinja2-renders.json, the expected values of PythonJinja2RenderTests: hand-picked constructs plus seeded random
# templates that stress whitespace control and Python arithmetic/slicing. Development time only (needs jinja2):
#   python3 make-python-jinja2-renders.py
import json
import os
import random

from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

VARIABLES = {'xs': [1, 2, 3], 's': 'Hello World', 'd': {'a': 1, 'b': [1, 2]}, 'e': '', 'n': None, 'f': 1.5, 'msgs': [{'role': 'user', 'content': 'hi'}, {'role': 'assistant', 'content': ' yo '}]}

HAND_PICKED = [
    "{{ [3, 1, 2] | sort }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }} {{ [3, 1, 2] | sort(reverse=true) }} {{ msgs | sort(attribute='role', reverse=true) | map(attribute='role') | list }}",
    "{{ ['a', 'A', 'b', 'a'] | unique | list }} {{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ ['B', 'a'] | min }} {{ [] | max }}| {{ msgs | max(attribute='content') }}",
    "{{ 'a\\nb\\n\\nc' | indent }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(width='> ', blank=true) }}|{{ 'x\\r\\ny' | indent(1) }}",
    "{% for x in xs %}{{ loop.cycle('odd', 'even') }} {% endfor %}",
    "{% if true %}\n  x\n{% endif %}\n",
    "  {% if true %}\n  x\n  {% endif %}\n",
    "\t{% if true %}\tx{% endif %}",
    "a {% if true %} b {% endif %} c",
    "a\n  {#- c #}\nb",
    "a\n  {# c -#}\n  b",
    "{%- if true -%}\n\n  x  \n\n{%- endif -%}\n\n",
    "x {{- ' y ' -}} z",
    "{% for i in xs %}\n{{ i }}\n{% endfor %}",
    "{% for i in xs -%}\n  {{ i }}\n{%- endfor %}",
    "{%- for i in xs %}\n    {{- i }}{% if not loop.last %}, {% endif %}\n{%- endfor %}",
    "  {{ 'a' }}\n  {% set x = 1 %}\n  {{ x }}",
    "{% set x = 1 %}  \n{{ x }}",
    "{% if true %}{% endif %}   \n   {% if true %}y{% endif %}",
    "{{ s.split(' ') }} {{ s.lower().split() }} {{ s[0:5] | upper }} {{ s.startswith('Hell') }}",
    "{{ d }} {{ d.b }} {{ d | tojson }} {{ d.items() | list }} {{ xs | tojson(indent=2) }}",
    "{{ f }} {{ f * 2 }} {{ 1 / 3 }} {{ 2 / 4 }} {{ 1e100 }} {{ 123456789012345678.0 }} {{ 0.000123 }} {{ -0.0 }} {{ 1e16 }} {{ 1e15 }}",
    "{{ n }} {{ n is none }} {{ n | tojson }} {{ e | default('x') }} {{ e or 'y' }} {{ e is string }}",
    "{{ msgs | map(attribute='content') | map('trim') | join('|') }}",
    "{{ msgs | selectattr('role', '==', 'user') | list }}",
    "{{ 'a' in msgs[0] }} {{ 'role' in msgs[0] }} {{ msgs[0].get('role') }} {{ msgs[-1]['content'] | trim | length }}",
    "{% for m in msgs %}{{ loop.index0 }}{{ m.role[0] | upper }}{% endfor %}",
    "{{ xs | length > 2 }} {{ xs | first + xs | last }} {{ -xs[0] }}",
    "{{ 'x' if xs else 'y' }} {{ 'x' if [] else 'y' }} {{ 'x' if {} else 'y' }}",
    "{% set ns = namespace(a=[]) %}{% for x in xs %}{% set ns.a = ns.a + [x * 2] %}{% endfor %}{{ ns.a }}",
    "{{ \"a'b\" }} {{ ['a\"b', \"a'b\", 'a\\'b\"c', '\\t'] }}",
    "{{ {'a': none, 'b': true, 'c': 1.0} }}",
    "{{ 'abc' ~ xs }} {{ xs ~ d }}",
    "{{ 10 // 3 }} {{ -10 // 3 }} {{ 10 % -3 }} {{ -10 % 3 }} {{ 10.5 // 3 }} {{ -10.5 % 3 }} {{ 2 ** 0.5 }}",
    "{{ 'Hello' | reverse }} {{ 'hello world' | capitalize }} {{ 'HELLO wORLD' | title }} {{ 'a  b' | title }}",
    "{{ [3, 1, 2] | first }} {{ 'abc' | first }} {{ 'abc' | last }} {{ {'k': 1} | first }}",
    "{% for k, v in d | items %}{{ k }}{{ v }}{% endfor %}",
    "{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }}{% endfor %}",
    "{{ 'é' | tojson }} {{ ' ' | tojson }} {{ '' | tojson }} {{ '\u0001' | tojson }} {{ 'a\"\\\\b' | tojson }}",
    "{{ xs | join }} {{ xs | join(', ') }} {{ ['a', none, 1] | join(',') }}",
    "{{ 'ab' | replace('a', 'x') }} {{ 'aXbX' | lower }} {{ 3 | string | length }}",
    "{{ 'a' * 0 }}|{{ 'a' * -1 }}|{{ [1] * 0 }}",
    "{{ true + true }} {{ true * 3 }} {{ 1 == true }} {{ 0 == false }} {{ 1 is sameas true }}",
    "{{ 'x' is lower }} {{ 'X' is upper }} {{ 2 is integer }} {{ 2.0 is float }} {{ true is integer }} {{ true is number }}",
    "{% macro m(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }} {{ m(1, 3) }} {{ m(b=5, a=0) }}",
    "{% if xs %}yes{% elif n %}no{% else %}else{% endif %}{% if n %}a{% elif e %}b{% else %}c{% endif %}",
    "{{ xs[1:] }} {{ xs[:1] }} {{ xs[-2::-1] }} {{ xs[5:-5:-1] }} {{ 'hello'[::2] }} {{ 'hello'[-3:] }}",
    "{{ s.find('o') }} {{ s.replace('l', 'L', 1) }} {{ s.split('o', 1) }} {{ '  a b  '.split(' ') }}",
    "{{ ' '.join(['a', 'b']) }} {{ s.endswith('ld') }} {{ s.startswith(('x', 'H')) }}",
    "{{ d.get('zz', 5) }} {{ d.keys() | list }} {{ d.values() | list }} {{ d | length }}",
    "{% set x = [] %}{% for i in xs %}{% set x = x + [i] %}{% endfor %}{{ x }}",
    "{% for i in xs %}{% set y = i %}{% endfor %}{{ y }}",
    "{% for i in [] %}{% else %}empty{% endfor %}",
    "{% for i in xs if i > 1 %}{{ loop.index }}/{{ loop.length }}{% else %}none{% endfor %}",
    "{{ xs|sum }} {{ xs|reverse|list }} {{ [1.5, 2]|sum }}",
    "{{ (xs|selectattr('x','defined')|list)|length }}",
    "{{ 1 if 0 else 2 if 0 else 3 }} {{ 'a' ~ ('b' if true) ~ 'c' }} {{ 'a' ~ ('b' if false) ~ 'c' }}",
    "{{ not none }} {{ not xs }} {{ not (xs and e) }} {{ xs and e }} {{ xs or e }} {{ n or e }}",
    "{{ 1 < 2 == true }} {{ 'b' > 'a' > 'A' }} {{ xs == [1, 2, 3] }} {{ xs != [1] }} {{ d == {'a': 1, 'b': [1, 2]} }}",
    "{% raw %}{% if %}{{ }}{% endraw %}",
    "{%- raw %}  x  {% endraw -%}  y",
    "{{ '{{' }} {{ '}}' }} {{ '%}' }}",
    "{{ {'a': {'b': 'c'}}['a']['b'] }} {{ {'a': 1}.a }}",
    "{{ xs.1 }} {{ [[1, 2]][0].1 }}",
    "{{ 'abc'|length }} {{ '🙂🙂'|length }} {{ '🙂a'[1] }} {{ 'a🙂'[-1:] }}",
    "{{ 5|float }} {{ '5'|int + 1 }} {{ '0x1A'|int(0, 16) }} {{ 3.7|int }} {{ -3.7|int }} {{ ' 12 '|int }} {{ '1e3'|int }} {{ 'abc'|float }}",
    "{{ 2.675|round(2) }} {{ 0.5|round }} {{ 1.5|round }} {{ -2.5|round }} {{ 3|round }} {{ 2.5|round(0, 'floor') }}",
    "{{ [1, 2] + [3] }} {{ 'a' + 'b' }} {{ 1 + 1.5 }} {{ 3 - 5 }} {{ 2 * 2.5 }}",
    "{% set a = 'x' %}{% set b %}{{ a }}-{{ a }}{% endset %}{{ b | upper }}",
    "{% if true %}\n    {% set z = 1 %}\n{% endif %}\n{{ z }}",
    "line1\n{% for i in xs %}\n    item {{ i }}\n{% endfor %}\nend\n",
    "{% for i in xs %}{% for j in xs %}{% if j == 2 %}{% break %}{% endif %}{{ i }}{{ j }} {% endfor %}{% endfor %}",
    "{{ tools }} {{ documents }} {{ messages }} {{ add_generation_prompt }}",
    "{{ undefined_x | length }} {{ undefined_x | default('d') }} {{ undefined_x is defined }} {{ undefined_x ~ 'a' }} {{ undefined_x | trim }}|{{ undefined_x | list }}{{ undefined_x | join(',') }}",
    "{% for i in undefined_x %}x{% endfor %}{{ undefined_x | tojson if false else 'ok' }}",
    "{{ [1,2,3] | map('string') | join('+') }} {{ ['a','b'] | map('upper') | list }}",
    "{{ [{'a':1},{'a':2}] | map(attribute='a') | list }} {{ [{'a':1},{}] | map(attribute='a', default=0) | list }}",
    "{{ msgs | rejectattr('role', 'equalto', 'user') | list | length }} {{ [0, 1, none, '', 'a'] | select | list }} {{ [1,2,3,4] | select('odd') | list }} {{ [1,2,3,4] | reject('even') | list }}",
    "{{ [1,2,3] | select('gt', 1) | list }} {{ [1,2,3] | select('in', [1, 3]) | list }}",
    "{{ d | tojson(indent=4) }}",
    "{{ [] | tojson(indent=2) }} {{ {} | tojson(indent=2) }} {{ [[]] | tojson(indent=2) }}",
    "{{ {'b': 1, 'a': {'d': 1, 'c': 2}} | tojson(sort_keys=true) }} {{ [1, 2] | tojson(separators=(',', ':')) }}",
    "{{ 1.0 | tojson }} {{ 10000000000000000.0 | tojson }} {{ 0.1 | tojson }} {{ 3 | tojson }} {{ true | tojson }}",
]

random.seed(7)
TEXTS = ["a", " ", "\n", "  ", "\t", "b\n", "\n  ", " \n", "\n\n", "c  \n  "]


def sign():
    return random.choice(["", "", "-", "+"])


def whitespace_block(depth):
    out = []
    for _ in range(random.randint(1, 5)):
        r = random.random()
        if r < 0.4:
            out.append(random.choice(TEXTS))
        elif r < 0.55:
            out.append("{{%s 'x' %s}}" % (random.choice(["", "-"]), random.choice(["", "-"])))
        elif r < 0.65:
            out.append("{#%s c %s#}" % (sign(), sign()))
        elif r < 0.8 and depth < 3:
            out.append("{%%%s if true %s%%}" % (sign(), sign()) + whitespace_block(depth + 1) + "{%%%s endif %s%%}" % (sign(), sign()))
        elif depth < 3:
            out.append("{%%%s for i in [1, 2] %s%%}" % (sign(), sign()) + whitespace_block(depth + 1) + "{%%%s endfor %s%%}" % (sign(), sign()))
        else:
            out.append(random.choice(TEXTS))
    return "".join(out)


def index():
    return random.choice(["", str(random.randint(-8, 8))])


def arithmetic():
    a, b = random.randint(-20, 20), random.choice([i for i in range(-7, 8) if i != 0])
    f = round(random.uniform(-20, 20), 2)
    step = random.choice(["", str(random.choice([-3, -2, -1, 1, 2, 3]))])
    return ("{{ %d // %d }} {{ %d %% %d }} {{ %r // %d }} {{ %r %% %d }} {{ %d / %d }} {{ xs[%s:%s:%s] }} {{ s[%s:%s:%s] }} {{ xs[%d] }} {{ %r * %d }}"
            % (a, b, a, b, f, b, f, b, a, b, index(), index(), step, index(), index(), step, random.randint(-7, 7), f, b))


templates = HAND_PICKED + [whitespace_block(0) for _ in range(400)] + [arithmetic() for _ in range(200)]
cases = []
for template in templates:
    variables = dict(VARIABLES, messages=[], add_generation_prompt=False, tools=None, documents=None)
    cases.append({"template": template, "expected": env.from_string(template).render(**variables)})
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "..", "python-jinja2-renders.json"), "w", encoding="utf8") as f:
    json.dump({"renderer": "Python Jinja2 (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols)",
               "variables": VARIABLES, "cases": cases}, f, ensure_ascii=False, indent=0)
    f.write("\n")
print(len(cases), "cases")
