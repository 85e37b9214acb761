// Renders every case of cases.json with Hugging Face's reference Jinja renderer (@huggingface/jinja) and writes
// ../reference-renders.json, the expected values of ChatTemplateReferenceTests. Development time only; tests never run it.
//   cd /work/hfref && node PATH/TO/render-reference.js
// Each case: [model folder, conversation, add_generation_prompt, options]; options: "tools": pass cases.json's tools,
// "clock": pin the renderer's own strftime_now to a fixed instant (below); anything else: an extra template variable.
const fs = require('fs');
const path = require('path');
const { Template } = require(require.resolve('@huggingface/jinja', { paths: [process.cwd()] }));

const here = __dirname;
const spec = JSON.parse(fs.readFileSync(path.join(here, 'cases.json'), 'utf8'));
// "clock" cases: the renderer's own strftime_now reads new Date(); pin it (and local time = UTC) to one instant.
process.env.TZ = 'UTC';
const RealDate = Date;
const fixedNow = RealDate.UTC(2025, 2, 5, 14, 30, 0); // 05 Mar 2025 14:30 UTC
class FixedDate extends RealDate {
  constructor(...args) { super(...(args.length ? args : [fixedNow])); }
  static now() { return fixedNow; }
}

const results = spec.cases.map(([model, conversation, addGenerationPrompt, options = {}]) => {
  const config = JSON.parse(fs.readFileSync(path.join(here, '..', model, 'tokenizer_config.json'), 'utf8'));
  const variables = {};
  const context = {
    messages: spec.conversations[conversation],
    add_generation_prompt: addGenerationPrompt,
  };
  if (config.bos_token !== null) context.bos_token = config.bos_token;
  if (config.eos_token !== null) context.eos_token = config.eos_token;
  for (const [key, value] of Object.entries(options)) {
    if (key === 'clock') continue;
    if (key === 'tools') variables.tools = spec.tools;
    else variables[key] = value;
  }
  Object.assign(context, variables);
  const result = { model, conversation, addGenerationPrompt, clock: !!options.clock, variables };
  globalThis.Date = options.clock ? FixedDate : RealDate;
  try {
    result.expected = new Template(config.chat_template).render(context);
  } catch (e) {
    result.error = e.message;
  } finally {
    globalThis.Date = RealDate;
  }
  return result;
});
fs.writeFileSync(path.join(here, '..', 'reference-renders.json'),
  JSON.stringify({ renderer: '@huggingface/jinja ' + JSON.parse(fs.readFileSync(path.join(process.cwd(), 'node_modules/@huggingface/jinja/package.json'), 'utf8')).version, conversations: spec.conversations, cases: results }, null, 1) + '\n');
console.log(results.length, 'cases;', results.filter(r => r.error).length, 'errors');
