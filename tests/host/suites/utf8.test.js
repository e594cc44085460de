// The UTF-8 encoder/decoder the loader installs where the host has none.

function codec() {
  return createHost({}).require('/miniprogram_npm/wx-subscribe/utf8.js');
}

function bytes(list) {
  return new Uint8Array(list);
}

function hex(view) {
  return Array.prototype.map.call(view, function (b) { return (b < 16 ? '0' : '') + b.toString(16); }).join(' ');
}

test('utf8 encodes ASCII, Chinese, emoji and lone surrogates like TextEncoder', function () {
  var e = new (codec().Utf8Encoder)();
  assert.equal(hex(e.encode('a')), '61');
  assert.equal(hex(e.encode('订阅')), 'e8 ae a2 e9 98 85');
  assert.equal(hex(e.encode('é')), 'c3 a9');
  assert.equal(hex(e.encode('🎉')), 'f0 9f 8e 89');
  assert.equal(hex(e.encode('\ud800x')), 'ef bf bd 78');
  assert.equal(hex(e.encode('')), '');
});

test('utf8 encodeInto writes only whole characters that fit', function () {
  var e = new (codec().Utf8Encoder)();
  var view = new Uint8Array(4);
  assert.deepEqual(e.encodeInto('a订阅', view), { read: 2, written: 4 });
  assert.equal(hex(view), '61 e8 ae a2');
});

test('utf8 decodes valid text and replaces malformed bytes like TextDecoder', function () {
  var d = new (codec().Utf8Decoder)();
  assert.equal(d.decode(bytes([0xe8, 0xae, 0xa2, 0xe9, 0x98, 0x85])), '订阅');
  assert.equal(d.decode(bytes([0xf0, 0x9f, 0x8e, 0x89])), '🎉');
  assert.equal(d.decode(bytes([0xc0, 0x80])), '\ufffd\ufffd', 'overlong');
  assert.equal(d.decode(bytes([0xed, 0xa0, 0x80])), '\ufffd\ufffd\ufffd', 'surrogate');
  assert.equal(d.decode(bytes([0xe8, 0xae])), '\ufffd', 'truncated');
  assert.equal(d.decode(bytes([0xf4, 0x90, 0x80, 0x80])), '\ufffd\ufffd\ufffd\ufffd', 'past U+10FFFF');
  assert.equal(d.decode(bytes([0xef, 0xbb, 0xbf, 0x61])), '\ufeffa', 'the BOM is kept (ignoreBOM)');
  assert.equal(d.decode(), '');
});

test('utf8 agrees with the engine\'s own TextEncoder/TextDecoder on random text (Node only)', function () {
  if (!engine.reference) return;
  var c = codec();
  var e = new c.Utf8Encoder();
  var d = new c.Utf8Decoder();
  var te = new engine.reference.TextEncoder();
  var td = new engine.reference.TextDecoder('utf-8', { ignoreBOM: true });
  var seed = 7;
  function random(n) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  }
  for (var round = 0; round < 3000; round++) {
    var text = '';
    for (var i = random(12); i > 0; i--) {
      var pick = random(4);
      text += pick === 0 ? String.fromCharCode(random(128)) : pick === 1 ? String.fromCharCode(0x4e00 + random(20000))
        : pick === 2 ? String.fromCharCode(0xd83c, 0xdf00 + random(256)) : String.fromCharCode(random(65536));
    }
    assert.equal(hex(e.encode(text)), hex(te.encode(text)), 'encode ' + JSON.stringify(text));
    var raw = new Uint8Array(random(10));
    for (var k = 0; k < raw.length; k++) raw[k] = random(2) ? random(256) : [0xe0, 0xed, 0xf0, 0xf4, 0x80, 0xbf, 0xc2, 0x9f][random(8)];
    assert.equal(d.decode(raw), td.decode(raw), 'decode ' + hex(raw));
  }
});
