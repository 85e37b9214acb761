// Writes a variant of a tokenizer folder for the kinds of files the four published tokenizers do not show:
//   llama3-bos         Llama 3 as meta-llama ships it: post-processor Sequence[ByteLevel, TemplateProcessing(BOS)]
//   metaspace-first    the SentencePiece BPE as Mistral v0.3 writes it: no normalizer, Metaspace pre-tokenizer
//                      (prepend_scheme "first", split false), Replace/ByteFallback/Fuse/Strip decoder
//   metaspace-always   Metaspace pre-tokenizer (prepend_scheme "always", split true) and a Metaspace decoder
//   added-flags        extra added tokens with lstrip/rstrip, single_word and normalized set
//   node variant.js NAME IN_DIR OUT_DIR   (applied to the full file for the expected ids, and to the cut)
const fs = require('fs');
const path = require('path');
const [name, inDir, outDir] = process.argv.slice(2);
const tokenizer = JSON.parse(fs.readFileSync(path.join(inDir, 'tokenizer.json'), 'utf8'));
const config = JSON.parse(fs.readFileSync(path.join(inDir, 'tokenizer_config.json'), 'utf8'));
const replace = (from, to) => ({ type: 'Replace', pattern: { String: from }, content: to });

switch (name) {
  case 'llama3-bos':
    tokenizer.post_processor = {
      type: 'Sequence',
      processors: [
        { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
        {
          type: 'TemplateProcessing',
          single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
          pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
                 { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
          special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>'] } },
        },
      ],
    };
    break;
  case 'metaspace-first':
    tokenizer.normalizer = null;
    tokenizer.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
    tokenizer.decoder = { type: 'Sequence', decoders: [replace('\u2581', ' '), { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] };
    config.legacy = false;
    break;
  case 'metaspace-always':
    tokenizer.normalizer = null;
    tokenizer.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true };
    tokenizer.decoder = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true };
    break;
  case 'added-flags': {
    let id = Math.max(...tokenizer.added_tokens.map(t => t.id)) + 1;
    const add = (content, flags) => {
      // A token the model already has keeps its id (Hugging Face assigns it so, whatever the file says).
      const known = tokenizer.model.vocab[content];
      const token = { id: known ?? id++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false, ...flags };
      tokenizer.added_tokens.push(token);
      const { id: _, ...entry } = token;
      config.added_tokens_decoder[String(token.id)] = entry;
    };
    add('<mask>', { lstrip: true, rstrip: true, special: true });
    add('ony', { single_word: true });
    add('caf\u00e9', { normalized: true });
    add('<left>', { lstrip: true });
    break;
  }
  default:
    throw new Error(`unknown variant ${name}`);
}
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'tokenizer.json'), JSON.stringify(tokenizer, null, 1) + '\n');
fs.writeFileSync(path.join(outDir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
