/**
 * Python's and Node's names for the encodings a log can be written in, as Node `BufferEncoding`s.
 * Names are compared without case, '-', '_' or spaces, as Python's codec lookup does.
 */
const ENCODINGS: Record<string, BufferEncoding> = {
  utf8: 'utf8',
  u8: 'utf8',
  cp65001: 'utf8',
  latin1: 'latin1',
  latin: 'latin1',
  l1: 'latin1',
  iso88591: 'latin1',
  '8859': 'latin1',
  cp819: 'latin1',
  binary: 'latin1',
  ascii: 'ascii',
  usascii: 'ascii',
  '646': 'ascii',
  utf16le: 'utf16le',
  ucs2: 'utf16le',
};

/** The Node encoding for a Python or Node name, or null for one not supported. */
export function encodingByName(name: string): BufferEncoding | null {
  return ENCODINGS[name.toLowerCase().replace(/[-_\s]/g, '')] ?? null;
}

/** The names a user may write, for error messages. */
export const ENCODING_NAMES = 'utf-8, latin-1, ascii, utf-16-le';
