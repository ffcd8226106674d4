/**
 * The one codec of a record's frame, as it sits in the ring and in a drained batch:
 *
 *   [u32 payload length, little-endian][f64 record time in ms][payload bytes]
 *
 * The time travels with the record because it, not the time of the write, decides the file.
 */
export const FRAME_LENGTH_BYTES = 4;
export const FRAME_TIME_BYTES = 8;
export const FRAME_HEADER_BYTES = FRAME_LENGTH_BYTES + FRAME_TIME_BYTES;

/** Lays out a header in `frame` for a payload of `len` bytes written at FRAME_HEADER_BYTES; returns the frame's size. */
export function writeHeader(frame: Buffer, len: number, timeMs: number): number {
  frame.writeUInt32LE(len, 0);
  frame.writeDoubleLE(timeMs, FRAME_LENGTH_BYTES);
  return FRAME_HEADER_BYTES + len;
}

/** The payload length of the frame at `off`. */
export function payloadLength(buf: Buffer, off: number): number {
  return buf.readUInt32LE(off);
}

/** The record time (ms) of the frame at `off`. */
export function frameTime(buf: Buffer, off: number): number {
  return buf.readDoubleLE(off + FRAME_LENGTH_BYTES);
}
