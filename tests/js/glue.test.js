// The modules' glue: .ci/glue.js reads what each export takes and answers
// from wasm-bindgen's output (and refuses anything else), and js/lib/glue.js
// makes the calls.
//   node --test tests/js/
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { shapes, glue } = require('../../.ci/glue.js');
const createGlue = require('../../js/lib/glue.js');

// wasm-bindgen 0.2.130's output for two exports, as it writes them (helpers trimmed).
const EXPORTS = `
/**
 * @param {Uint16Array | number[]} input
 * @param {Float64Array | number[]} codes
 * @returns {Float64Array}
 */
export function plan(input, codes) {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        let ptr0, len0, ptr1, len1;
        try {
            ptr0 = passArray16ToWasm0(input, wasm.__wbindgen_export);
            len0 = WASM_VECTOR_LEN;
            ptr1 = passArrayF64ToWasm0(codes, wasm.__wbindgen_export);
            len1 = WASM_VECTOR_LEN;
        } catch (e) {
            if (ptr1) { wasm.__wbindgen_export2(ptr1, len1 * 8, 8); }
            if (ptr0) { wasm.__wbindgen_export2(ptr0, len0 * 2, 2); }
            throw e;
        }
        wasm.plan(retptr, ptr0, len0, ptr1, len1);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var v3 = getArrayF64FromWasm0(r0, r1).slice();
        wasm.__wbindgen_export2(r0, r1 * 8, 8);
        return v3;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}

/**
 * @returns {Uint16Array}
 */
export function version() {
    try {
        const retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
        wasm.version(retptr);
        var r0 = getDataViewMemory0().getInt32(retptr + 4 * 0, true);
        var r1 = getDataViewMemory0().getInt32(retptr + 4 * 1, true);
        var v1 = getArrayU16FromWasm0(r0, r1).slice();
        wasm.__wbindgen_export2(r0, r1 * 2, 2);
        return v1;
    } finally {
        wasm.__wbindgen_add_to_stack_pointer(16);
    }
}
let WASM_VECTOR_LEN = 0;

let wasm;
export function __wbg_set_wasm(val) {
    wasm = val;
}
`;

test('each export is read as the typed arrays it takes and the one it answers', () => {
  assert.deepEqual(shapes(EXPORTS), { plan: [['u16', 'f64'], 'f64'], version: [[], 'u16'] });
  const module = { exports: {} };
  const source = glue(EXPORTS, './x_bg.js');
  new Function('module', 'require', source)(module, (file) => {
    assert.equal(file, './glue.js');
    return createGlue;
  });
  const made = module.exports();
  assert.equal(made.importModule, './x_bg.js');
  assert.deepEqual(Object.keys(made.exports), ['plan', 'version']);
});

test('anything but typed arrays in and one out fails the build', () => {
  const refused = {
    'a string': EXPORTS.replace('passArray16ToWasm0(input', 'passStringToWasm0(input'),
    'an import': EXPORTS + '\nexport function __wbg_log_1(x) { return x; }\n',
    'a class': EXPORTS + '\nexport class Thing {\n}\n',
    'another call': EXPORTS.replace('wasm.version(retptr);', 'wasm.version(retptr);\n        takeObject(1);'),
    'another allocator': EXPORTS.replace(/wasm\.__wbindgen_export\)/g, 'wasm.__wbindgen_malloc)'),
    'an unknown helper': EXPORTS + '\nfunction addHeapObject(x) {\n}\n',
    'no setWasm': EXPORTS.replace('export function __wbg_set_wasm', 'function __wbg_set_wasm'),
  };
  for (const [what, source] of Object.entries(refused)) {
    assert.throws(() => shapes(source), /^Error: glue: /, what);
  }
});

// A module as wasm-bindgen's ABI has it, in JS: a bump allocator, a stack
// for the return slot, and one export answering what it was given.
function fakeModule() {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const freed = [];
  let top = 1024;
  let stack = 65536;
  const exports = {
    memory,
    __wbindgen_export: (size, align) => {
      top = Math.ceil(top / align) * align;
      top += size;
      return top - size;
    },
    __wbindgen_export2: (ptr, size, align) => freed.push([ptr, size, align]),
    __wbindgen_add_to_stack_pointer: (delta) => (stack += delta),
    // Answers the codes, each doubled, after the text's length.
    plan: (retptr, ptr0, len0, ptr1, len1) => {
      const codes = new Float64Array(memory.buffer, ptr1, len1);
      const out = exports.__wbindgen_export(8 * (len1 + 1), 8);
      new Float64Array(memory.buffer, out, len1 + 1).set([len0, ...codes.map((c) => c * 2)]);
      new Int32Array(memory.buffer, retptr, 2).set([out, len1 + 1]);
    },
  };
  return { exports, freed, stack: () => stack };
}

test('a call passes its arrays, copies the answer out and frees it, and restores the stack', () => {
  const fake = fakeModule();
  const made = createGlue('./x_bg.js', { plan: [['u16', 'f64'], 'f64'] });
  made.setWasm(fake.exports);
  const answer = made.exports.plan(new Uint16Array([104, 105, 33]), new Float64Array([1.5, -2]));
  assert.ok(answer instanceof Float64Array);
  assert.deepEqual(Array.from(answer), [3, 3, -4]);
  assert.equal(fake.freed.length, 1);
  assert.deepEqual(fake.freed[0].slice(1), [24, 8], 'the answer is freed with its size and alignment');
  assert.equal(fake.stack(), 65536, 'the return slot is given back');
  // Text given as a string is written into the module's memory as its UTF-16 code units.
  const before = fake.exports.__wbindgen_export(0, 2);
  assert.deepEqual(Array.from(made.exports.plan('hé😀', new Float64Array([1]))), [4, 2]);
  assert.deepEqual(Array.from(new Uint16Array(fake.exports.memory.buffer, before, 4)), [104, 233, 0xd83d, 0xde00]);
  assert.throws(() => made.exports.plan(new Uint16Array(1), null), TypeError);
  assert.equal(fake.stack(), 65536, 'even when the call throws');
});
