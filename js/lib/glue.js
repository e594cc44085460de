// The calls into a wasm module built with wasm-bindgen (the version pinned in
// .ci/versions), for the one shape this crate's exports have: typed arrays in
// (UTF-16 code units, numbers), one typed array out. Both modules share it;
// each module's *_glue.js, written by .ci/glue.js from wasm-bindgen's own
// output, gives what each export takes and answers, and the build fails if
// that output does anything else (a string, an object, an import).
'use strict';

var ARRAYS = { u16: Uint16Array, f64: Float64Array };

/**
 * A fresh glue for one instance: `shapes` maps each export to [the types of
 * the arrays it takes, the type of the array it answers] ('u16' or 'f64').
 * Returns what the loaders use: { importModule, imports, exports, setWasm }.
 */
module.exports = function createGlue(importModule, shapes) {
  var wasm = null;

  // Copies `values` into memory the module allocated: [pointer, length]. A
  // string passed for UTF-16 code units is written there unit by unit, with
  // no array in between (phones have no TextEncoder; a large text would
  // otherwise be allocated twice).
  function pass(Type, values) {
    var size = Type.BYTES_PER_ELEMENT;
    var length = values.length;
    var ptr = wasm.__wbindgen_export(length * size, size) >>> 0;
    var view = new Type(wasm.memory.buffer, ptr, length);
    if (typeof values === 'string' && Type === Uint16Array) {
      for (var i = 0; i < length; i++) view[i] = values.charCodeAt(i);
    } else {
      view.set(values);
    }
    return [ptr, length];
  }

  // Calls export `name`: the answer's pointer and length come back in the
  // 16 bytes the call reserves on the module's stack, and the answer is
  // copied out before the module frees it.
  function call(name, shape, args) {
    var retptr = wasm.__wbindgen_add_to_stack_pointer(-16) >>> 0;
    try {
      var raw = [retptr];
      for (var i = 0; i < shape[0].length; i++) raw.push.apply(raw, pass(ARRAYS[shape[0][i]], args[i]));
      wasm[name].apply(null, raw);
      var words = new Int32Array(wasm.memory.buffer, retptr, 2);
      var ptr = words[0] >>> 0;
      var length = words[1];
      var Answer = ARRAYS[shape[1]];
      var answer = new Answer(wasm.memory.buffer, ptr, length).slice();
      wasm.__wbindgen_export2(ptr, length * Answer.BYTES_PER_ELEMENT, Answer.BYTES_PER_ELEMENT);
      return answer;
    } finally {
      wasm.__wbindgen_add_to_stack_pointer(16);
    }
  }

  var exports = {};
  Object.keys(shapes).forEach(function (name) {
    exports[name] = function () { return call(name, shapes[name], arguments); };
  });
  return {
    importModule: importModule,
    imports: {},
    exports: exports,
    setWasm: function (instanceExports) { wasm = instanceExports; },
  };
};
