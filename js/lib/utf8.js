// A small, correct UTF-8 TextEncoder/TextDecoder for hosts that have none
// (WeChat on phones). Only what wasm-bindgen's glue calls: encode, encodeInto,
// decode. Lone surrogates encode as U+FFFD, as TextEncoder does; malformed
// bytes decode as U+FFFD, as TextDecoder does (non-fatal mode).
'use strict';

var REPLACEMENT = 0xfffd;

// The code point at `i` of `text`, and how many UTF-16 units it uses.
function codePointAt(text, i) {
  var unit = text.charCodeAt(i);
  if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
    var next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) {
      return [((unit - 0xd800) << 10) + (next - 0xdc00) + 0x10000, 2];
    }
  }
  if (unit >= 0xd800 && unit <= 0xdfff) return [REPLACEMENT, 1];
  return [unit, 1];
}

function byteLength(point) {
  return point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
}

function writePoint(point, view, at) {
  var n = byteLength(point);
  if (n === 1) {
    view[at] = point;
  } else {
    var lead = n === 2 ? 0xc0 : n === 3 ? 0xe0 : 0xf0;
    view[at] = lead | (point >> (6 * (n - 1)));
    for (var k = 1; k < n; k++) view[at + k] = 0x80 | ((point >> (6 * (n - 1 - k))) & 0x3f);
  }
  return n;
}

function Utf8Encoder() {}
Utf8Encoder.prototype.encoding = 'utf-8';

// Writes as many whole characters of `text` as fit into `view`.
Utf8Encoder.prototype.encodeInto = function (text, view) {
  text = String(text);
  var read = 0;
  var written = 0;
  while (read < text.length) {
    var cp = codePointAt(text, read);
    if (written + byteLength(cp[0]) > view.length) break;
    written += writePoint(cp[0], view, written);
    read += cp[1];
  }
  return { read: read, written: written };
};

Utf8Encoder.prototype.encode = function (text) {
  text = text === undefined ? '' : String(text);
  var size = 0;
  for (var i = 0; i < text.length; ) {
    var cp = codePointAt(text, i);
    size += byteLength(cp[0]);
    i += cp[1];
  }
  var out = new Uint8Array(size);
  this.encodeInto(text, out);
  return out;
};

// The code point of the sequence at `i` of `bytes`, and how many bytes it
// uses. A malformed sequence gives U+FFFD for its maximal valid prefix, the
// WHATWG rule: the lead byte bounds the second byte, which rules out overlong
// forms, surrogates and values past U+10FFFF.
function decodeAt(bytes, i) {
  var lead = bytes[i];
  if (lead < 0x80) return [lead, 1];
  var n, point, low = 0x80, high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) { n = 2; point = lead & 0x1f; }
  else if (lead >= 0xe0 && lead <= 0xef) {
    n = 3; point = lead & 0x0f;
    if (lead === 0xe0) low = 0xa0;
    if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    n = 4; point = lead & 0x07;
    if (lead === 0xf0) low = 0x90;
    if (lead === 0xf4) high = 0x8f;
  } else return [REPLACEMENT, 1];
  for (var k = 1; k < n; k++) {
    var b = bytes[i + k];
    if (b === undefined || b < low || b > high) return [REPLACEMENT, k];
    low = 0x80;
    high = 0xbf;
    point = (point << 6) | (b & 0x3f);
  }
  return [point, n];
}

function Utf8Decoder() {}
Utf8Decoder.prototype.encoding = 'utf-8';

Utf8Decoder.prototype.decode = function (bytes) {
  if (bytes === undefined) return '';
  var view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer || bytes);
  var parts = [];
  var units = [];
  for (var i = 0; i < view.length; ) {
    var d = decodeAt(view, i);
    var point = d[0];
    i += d[1];
    if (point >= 0x10000) {
      point -= 0x10000;
      units.push(0xd800 + (point >> 10), 0xdc00 + (point & 0x3ff));
    } else {
      units.push(point);
    }
    if (units.length >= 4096) {
      parts.push(String.fromCharCode.apply(null, units));
      units = [];
    }
  }
  parts.push(String.fromCharCode.apply(null, units));
  return parts.join('');
};

module.exports = { Utf8Encoder: Utf8Encoder, Utf8Decoder: Utf8Decoder };
