"""Writes CanonicalNormalization.txt, the Unicode data NFC/NFD need, from Python's unicodedata.

.NET's string.Normalize does nothing under InvariantGlobalization (no ICU), so Steering normalizes with this data.
Canonical decompositions and combining classes of assigned characters never change (Unicode stability policy); a
newer Unicode version only adds characters.

    python3 make-normalization-data.py > CanonicalNormalization.txt
"""
import sys
import unicodedata

print(f"# Canonical decompositions and combining classes, Unicode {unicodedata.unidata_version} "
      f"(Python {sys.version.split()[0]} unicodedata), written by make-normalization-data.py.")
print("# d CODE MAPPING... [c]  one-level canonical decomposition; c: the character is a primary composite (NFC makes it)")
print("# m FIRST LAST CLASS      code points FIRST..LAST have canonical combining class CLASS")
for cp in range(0x110000):
    if 0xAC00 <= cp <= 0xD7A3:
        continue  # Hangul syllables decompose algorithmically
    mapping = unicodedata.decomposition(chr(cp))
    if not mapping or mapping.startswith("<"):
        continue
    parts = mapping.split()
    composes = len(parts) == 2 and unicodedata.normalize("NFC", chr(cp)) == chr(cp) \
        and unicodedata.combining(chr(int(parts[0], 16))) == 0
    print("d " + " ".join([f"{cp:X}"] + parts) + (" c" if composes else ""))
start = None
for cp in range(0x110001):
    ccc = unicodedata.combining(chr(cp)) if cp < 0x110000 else -1
    if start is not None and ccc != current:
        print(f"m {start:X} {cp - 1:X} {current}")
        start = None
    if start is None and ccc > 0:
        start, current = cp, ccc
