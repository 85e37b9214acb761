# Checks reference-renders.json (made with @huggingface/jinja) against Python's Jinja2 set up as transformers'
# apply_chat_template sets it up, so the expected values agree with both reference renderers. Development time only:
#   python3 check-with-python-jinja2.py          (needs the jinja2 package)
import datetime
import json
import os

from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

now = None


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return now.strftime(fmt)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
reference = json.load(open(os.path.join(here, "reference-renders.json"), encoding="utf8"))
differ = 0
for case in reference["cases"]:
    config = json.load(open(os.path.join(here, case["model"], "tokenizer_config.json"), encoding="utf8"))
    variables = dict(messages=reference["conversations"][case["conversation"]],
                     add_generation_prompt=case["addGenerationPrompt"], tools=None, documents=None)
    for token in ("bos_token", "eos_token"):
        if config[token] is not None:
            variables[token] = config[token]
    variables.update(case["variables"])
    now = datetime.datetime(2025, 3, 5, 14, 30) if case["clock"] else datetime.datetime(1970, 1, 1)
    try:
        got = ("expected", env.from_string(config["chat_template"]).render(**variables))
    except TemplateError as e:
        got = ("error", str(e))
    want = ("expected", case["expected"]) if "expected" in case else ("error", case["error"])
    if got != want:
        differ += 1
        print(case["model"], case["conversation"], "\n  @huggingface/jinja:", repr(want), "\n  Python Jinja2:     ", repr(got))
print(len(reference["cases"]), "cases,", differ, "differ")
