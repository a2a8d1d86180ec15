/**
 * Errors are values naming the file and where in it (byte offset or line). Only the CLI turns them
 * into an exit status; everything below it throws or returns these, never a bare Error for bad input.
 */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly where?: { offset?: number; line?: number },
  ) {
    super(InputError.format(file, reason, where));
    this.name = 'InputError';
  }

  static format(file: string, reason: string, where?: { offset?: number; line?: number }): string {
    if (where?.line !== undefined) return `${file}:${where.line}: ${reason}`;
    if (where?.offset !== undefined) return `${file}: at offset 0x${where.offset.toString(16)}: ${reason}`;
    return `${file}: ${reason}`;
  }
}

/** A malformed ELF file: the offset is the byte position in the file where the inconsistency was found. */
export class ElfFormatError extends InputError {
  constructor(file: string, offset: number, reason: string) {
    super(file, reason, { offset });
    this.name = 'ElfFormatError';
  }
  get offset(): number {
    return this.where!.offset!;
  }
}

/** A malformed text input (Module.symvers, .config): line is 1-based. */
export class ParseError extends InputError {
  constructor(file: string, line: number, reason: string) {
    super(file, reason, { line });
    this.name = 'ParseError';
  }
}

/**
 * Malformed DWARF: `offset` is the byte position in the file (for a compressed debug section, where that
 * section's data starts), `section` the debug section and `at` the position inside its (decompressed,
 * relocated) data where the inconsistency was found.
 */
export class DwarfFormatError extends ElfFormatError {
  constructor(
    file: string,
    offset: number,
    readonly section: string,
    readonly at: number,
    reason: string,
  ) {
    super(file, offset, `${section}+0x${at.toString(16)}: ${reason}`);
    this.name = 'DwarfFormatError';
  }
}

/**
 * `instanceof` across copies of this module. The command's bin (dist/cli/main.cjs) is CommonJS, so that Node
 * starts it without its ES module loader, and carries its own copy of these classes for the program; the
 * modules the program imports at run time (formatters, `merge`, key readers) and the library's users load
 * dist/errors.js. Each class marks its instances with a brand registered by name (`Symbol.for`, one registry
 * per process), and its `instanceof` asks for that brand, so an error thrown by either copy is an
 * InputError to both.
 */
function brand(cls: abstract new (...args: never[]) => unknown, name: string): void {
  const key = Symbol.for(`ksymcheck.errors.${name}`);
  Object.defineProperty(cls.prototype, key, { value: true });
  const ordinary = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, x: unknown): boolean {
      // a subclass declared elsewhere inherits this method: it is asked the ordinary way
      if (this !== cls) return ordinary.call(this, x);
      return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[key] === true;
    },
  });
}
brand(InputError, 'InputError');
brand(ElfFormatError, 'ElfFormatError');
brand(ParseError, 'ParseError');
brand(DwarfFormatError, 'DwarfFormatError');
