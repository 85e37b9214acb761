// A structure-preserving cut of a Hugging Face tokenizer.json (and its tokenizer_config.json) for test data:
// the normalizer, pre-tokenizer, post-processor, decoder and model options stay as they are; the vocabulary keeps
// only tokens that are substrings of the test texts (in the spellings the model sees: byte-level alphabet or '▁' for
// spaces, NFC or not) plus byte-fallback tokens and the unknown token; merges keep only pairs whose parts and result
// survive; added tokens keep the special ones and those that occur in the texts. Added tokens missing from the model
// vocabulary are written into it under their own ids, so Hugging Face assigns them the same ids as in the full file.
// A merge can only fire inside a word, on a span of it, so the cut tokenizes the test texts exactly as the full file
// does — check-cut.js verifies that with Hugging Face's tokenizer before the cut is committed.
//   node cut.js FULL_DIR OUT_DIR CORPUS_JSON GROUP...
const fs = require('fs');
const path = require('path');

const [fullDir, outDir, corpusFile, ...groups] = process.argv.slice(2);
const corpus = JSON.parse(fs.readFileSync(corpusFile, 'utf8'));
const texts = groups.flatMap(g => corpus[g]);
const tokenizer = JSON.parse(fs.readFileSync(path.join(fullDir, 'tokenizer.json'), 'utf8'));
const model = tokenizer.model;

// GPT-2's bytes_to_unicode.
const byteChar = [];
let next = 256;
for (let b = 0; b < 256; b++) {
  const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  byteChar.push(String.fromCodePoint(printable ? b : next++));
}
const byteLevel = s => Array.from(Buffer.from(s, 'utf8'), b => byteChar[b]).join('');

const spellings = new Set();
for (const text of texts) {
  for (const t of [text, text.normalize('NFC')]) {
    for (const s of [t, ' ' + t]) {
      spellings.add(byteLevel(s));
      spellings.add(s.replace(/ /g, '\u2581'));
      spellings.add('\u2581' + s.replace(/ /g, '\u2581'));
    }
  }
}
const substrings = new Set();
for (const s of spellings) {
  const chars = Array.from(s);
  for (let i = 0; i < chars.length; i++) {
    let sub = '';
    for (let j = i; j < chars.length && j - i < 64; j++) { sub += chars[j]; substrings.add(sub); }
  }
}

const occurs = content => texts.some(t => t.includes(content) || t.normalize('NFC').includes(content));
const addedTokens = tokenizer.added_tokens.filter(t => t.special || occurs(t.content));
const keepAdded = new Set(addedTokens.map(t => t.content));

const vocab = {};
for (const [token, id] of Object.entries(model.vocab)) {
  if (substrings.has(token) || /^<0x[0-9A-F]{2}>$/.test(token) || token === model.unk_token || keepAdded.has(token)) vocab[token] = id;
}
for (const t of addedTokens) if (!(t.content in vocab)) vocab[t.content] = t.id;
const parts = m => (Array.isArray(m) ? m : m.split(' '));
model.merges = model.merges.filter(m => { const [a, b] = parts(m); return a in vocab && b in vocab && (a + b) in vocab; });
model.vocab = vocab;
tokenizer.added_tokens = addedTokens;

fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'tokenizer.json'), JSON.stringify(tokenizer, null, 1) + '\n');
const configFile = path.join(fullDir, 'tokenizer_config.json');
if (fs.existsSync(configFile)) {
  const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  if (config.added_tokens_decoder)
    config.added_tokens_decoder = Object.fromEntries(Object.entries(config.added_tokens_decoder).filter(([, t]) => keepAdded.has(t.content)));
  fs.writeFileSync(path.join(outDir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
}
console.error(`${outDir}: ${Object.keys(vocab).length} tokens, ${model.merges.length} merges, ${addedTokens.length} added tokens`);
