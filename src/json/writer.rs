//! The send module's answers, written by serde as JSON text in UTF-16 code
//! units. The page module never has it: its answers go by [`super::Direct`]
//! or as numbers, without serde's per-field plumbing.

use super::{envelope, number, quoted, text};
use crate::error::Error;
use serde::ser::{self, Serialize};

/// Writes `value` as JSON text in UTF-16 code units (the send side's answers).
pub fn write<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u16>) {
    // The writer cannot fail; a custom error (none of this crate's types makes
    // one) leaves the text unfinished, which the JS side reports as a bad answer.
    let _ = value.serialize(&mut Writer { out });
}

/// The answer of one call: `{"ok":value}` or `{"error":{code, kind, message, ...}}`.
pub fn answer<T: Serialize>(result: &Result<T, Error>) -> Vec<u16> {
    envelope(result.as_ref(), |value, out| write(value, out))
}

/// The writer's error: never made by this crate's types.
#[derive(Debug)]
pub struct WriteError;

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the answer could not be written")
    }
}

impl std::error::Error for WriteError {}

impl ser::Error for WriteError {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        WriteError
    }
}

struct Writer<'a> {
    out: &'a mut Vec<u16>,
}

/// An array or object being written: whether a comma is due.
pub struct Compound<'w, 'a> {
    writer: &'w mut Writer<'a>,
    first: bool,
    close: u8,
}

impl Compound<'_, '_> {
    fn comma(&mut self) {
        if !self.first {
            self.writer.out.push(u16::from(b','));
        }
        self.first = false;
    }

    fn member<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), WriteError> {
        self.comma();
        quoted(self.writer.out, key);
        self.writer.out.push(u16::from(b':'));
        value.serialize(&mut *self.writer)
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        self.comma();
        value.serialize(&mut *self.writer)
    }

    fn finish(self) -> Result<(), WriteError> {
        self.writer.out.push(u16::from(self.close));
        Ok(())
    }
}

impl<'w, 'a> Writer<'a> {
    fn open(&'w mut self, open: u8, close: u8) -> Compound<'w, 'a> {
        self.out.push(u16::from(open));
        Compound { writer: self, first: true, close }
    }
}

macro_rules! whole_numbers {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<(), WriteError> {
            self.serialize_f64(v as f64)
        }
    )*};
}

impl<'w, 'a> ser::Serializer for &'w mut Writer<'a> {
    type Ok = ();
    type Error = WriteError;
    type SerializeSeq = Compound<'w, 'a>;
    type SerializeTuple = Compound<'w, 'a>;
    type SerializeTupleStruct = Compound<'w, 'a>;
    type SerializeTupleVariant = Compound<'w, 'a>;
    type SerializeMap = Compound<'w, 'a>;
    type SerializeStruct = Compound<'w, 'a>;
    type SerializeStructVariant = Compound<'w, 'a>;

    fn serialize_bool(self, v: bool) -> Result<(), WriteError> {
        text(self.out, if v { "true" } else { "false" });
        Ok(())
    }
    whole_numbers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_f32: f32);
    /// Whole numbers up to 2^53 exactly; others (none of this crate's answers
    /// has one) as a whole number, and non-finite ones as `null`, as JSON.stringify does.
    fn serialize_f64(self, v: f64) -> Result<(), WriteError> {
        number(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), WriteError> {
        quoted(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), WriteError> {
        quoted(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), WriteError> {
        let mut seq = self.open(b'[', b']');
        for b in v {
            ser::SerializeSeq::serialize_element(&mut seq, b)?;
        }
        seq.finish()
    }
    fn serialize_none(self) -> Result<(), WriteError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), WriteError> {
        text(self.out, "null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), WriteError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), WriteError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), WriteError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, variant: &'static str, value: &T) -> Result<(), WriteError> {
        let mut map = self.open(b'{', b'}');
        map.member(variant, value)?;
        map.finish()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'w, 'a>, WriteError> {
        Ok(self.open(b'[', b']'))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'w, 'a>, WriteError> {
        Ok(self.open(b'[', b']'))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'w, 'a>, WriteError> {
        Ok(self.open(b'[', b']'))
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Compound<'w, 'a>, WriteError> {
        Err(WriteError)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'w, 'a>, WriteError> {
        Ok(self.open(b'{', b'}'))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'w, 'a>, WriteError> {
        Ok(self.open(b'{', b'}'))
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Compound<'w, 'a>, WriteError> {
        Err(WriteError)
    }
}

/// The compound traits whose items are written as array items (or, with a
/// key, as object members): each method forwards to [`Compound`].
macro_rules! compound {
    ($($trait:ident :: $method:ident($($key:ident)?)),* $(,)?) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = WriteError;
            fn $method<T: Serialize + ?Sized>(&mut self, $($key: &'static str,)? value: &T) -> Result<(), WriteError> {
                compound!(@write self $($key)?, value)
            }
            fn end(self) -> Result<(), WriteError> {
                self.finish()
            }
        }
    )*};
    (@write $self:ident, $value:ident) => { $self.item($value) };
    (@write $self:ident $key:ident, $value:ident) => { $self.member($key, $value) };
}

compound!(
    SerializeSeq::serialize_element(),
    SerializeTuple::serialize_element(),
    SerializeTupleStruct::serialize_field(),
    SerializeTupleVariant::serialize_field(),
    SerializeStruct::serialize_field(key),
    SerializeStructVariant::serialize_field(key),
);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = WriteError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), WriteError> {
        self.comma();
        key.serialize(&mut *self.writer)?;
        self.writer.out.push(u16::from(b':'));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), WriteError> {
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), WriteError> {
        self.finish()
    }
}
