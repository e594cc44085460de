// A document read inside a cloud database transaction; null when there is
// none (the SDK rejects the read of a missing document).
'use strict';

async function read(transaction, name, id) {
  try {
    const res = await transaction.collection(name).doc(id).get();
    return res && res.data ? res.data : null;
  } catch (error) {
    if (/not exist/i.test(String(error && (error.errMsg || error.message)))) return null;
    throw error;
  }
}

module.exports = { read };
