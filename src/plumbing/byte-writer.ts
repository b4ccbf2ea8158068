/**
 * Appends text and bytes to a growing buffer, without building a string first: the simulator
 * writes its messages with it straight into the bytes that go to Kafka, and the consumer its
 * COPY text (a string per row, made of a dozen pieces, was a quarter of the garbage of the
 * thread that prepares batches).
 */
export class ByteWriter {
  #buffer: Buffer<ArrayBuffer>;
  position = 0;

  constructor(capacity = 64 * 1024) {
    // Not from Node's shared pool: the whole ArrayBuffer may be handed to another thread.
    this.#buffer = Buffer.allocUnsafeSlow(capacity);
  }

  /** What has been written: a view, valid until the writer is reset or grows. */
  written(): Buffer<ArrayBuffer> {
    return this.#buffer.subarray(0, this.position);
  }

  reset(): void {
    this.position = 0;
  }

  bytes(bytes: Uint8Array): void {
    const length = bytes.length;
    this.#reserve(length);
    if (length > 64) {
      this.#buffer.set(bytes, this.position);
      this.position += length;
      return;
    }
    // For the short fragments that make most of a message, a loop beats TypedArray#set's call overhead.
    const buffer = this.#buffer;
    let position = this.position;
    for (let i = 0; i < length; i++) buffer[position++] = bytes[i] as number;
    this.position = position;
  }

  /** Text known to be ASCII (ids, numbers, timestamps): one byte per character. */
  ascii(text: string): void {
    this.#reserve(text.length);
    const buffer = this.#buffer;
    let position = this.position;
    for (let i = 0; i < text.length; i++) buffer[position++] = text.charCodeAt(i);
    this.position = position;
  }

  /** Any text, as UTF-8: byte by byte while it is ASCII (all of it, nearly always), the rest by Node's encoder. */
  utf8(text: string): void {
    const length = text.length;
    this.#reserve(length);
    const buffer = this.#buffer;
    let position = this.position;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        const rest = text.slice(i);
        this.position = position;
        this.#reserve(rest.length * 3);
        this.position += this.#buffer.write(rest, this.position, 'utf8');
        return;
      }
      buffer[position++] = code;
    }
    this.position = position;
  }

  byte(value: number): void {
    this.#reserve(1);
    this.#buffer[this.position++] = value;
  }

  /** An integer with `places` implied decimals, as a decimal: (-1234, 2) → -12.34. */
  fixed(units: number, places: number): void {
    this.#reserve(24);
    if (units < 0) {
      this.#buffer[this.position++] = MINUS;
      units = -units;
    }
    const scale = SCALES[places] as number;
    const whole = Math.floor(units / scale);
    if (whole < 10) this.#buffer[this.position++] = ZERO + whole;
    else this.ascii(String(whole));
    if (places === 0) return;
    this.#buffer[this.position++] = DOT;
    let fraction = units - whole * scale;
    for (let i = places - 1; i >= 0; i--) {
      this.#buffer[this.position + i] = ZERO + (fraction % 10);
      fraction = Math.floor(fraction / 10);
    }
    this.position += places;
  }

  #reserve(length: number): void {
    if (this.position + length <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.#buffer.length * 2, this.position + length));
    this.#buffer.copy(grown, 0, 0, this.position);
    this.#buffer = grown;
  }
}

const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const SCALES = [1, 10, 100, 1000, 10_000];
