/**
 * Where in a run's output a terminal's parser is between escape sequences, so that Opsbook can put
 * a sequence of its own there (the hold on drawing a flood, in `terminal.ts`) without cutting one
 * of the command's in two. A line end is such a place unless it falls inside a sequence: a CSI
 * sequence carries on past a line feed (control characters inside one are executed), and so do
 * the strings of OSC, DCS, APC, PM and SOS (a title, a hyperlink, an image's base64).
 *
 * The state is the byte that opened the sequence still unfinished (`]`, `P`, `[`, …, or ESC alone
 * when the output ends right after one), or 0 outside any. Only the last ESC before a place
 * matters: in the VT parser every ESC ends what came before it (ESC `\` ends a string), so the
 * sequence it opens is the one that may still be open.
 */

const ESC = 0x1b;
const BEL = 0x07;
/** CAN and SUB cancel any sequence. */
const CAN = 0x18;
const SUB = 0x1a;
/** ESC followed by one of these opens a string, which BEL or ST (ESC `\`) ends. */
const STRINGS = new Set([0x5d, 0x50, 0x5f, 0x5e, 0x58]);
const CSI = 0x5b;

/** Outside any escape sequence. */
export const GROUND = 0;

/** Whether the sequence opened by `kind` ends within `data[from..to)`. */
function ends(kind: number, data: Uint8Array, from: number, to: number): boolean {
	for (let i = from; i < to; i++) {
		const byte = data[i]!;
		if (byte === CAN || byte === SUB) return true;
		if (STRINGS.has(kind)) {
			if (byte === BEL) return true;
		} else if (kind === CSI) {
			// A CSI sequence ends at its final byte.
			if (byte >= 0x40 && byte <= 0x7e) return true;
		} else if (byte >= 0x30 && byte <= 0x7e) {
			// ESC, intermediates (0x20–0x2f), then a final byte.
			return true;
		}
	}
	return false;
}

/**
 * The state after `data[0..to)`, given the state `before` it (that of the output up to `data`).
 */
export function stateAfter(data: Uint8Array, to: number, before: number): number {
	const esc = data.lastIndexOf(ESC, to - 1);
	let kind = before;
	let from = 0;
	if (esc >= 0) {
		if (esc + 1 >= to) return ESC;
		kind = data[esc + 1]!;
		from = esc + 2;
	} else if (kind === ESC) {
		if (to === 0) return ESC;
		kind = data[0]!;
		from = 1;
	}
	if (kind === GROUND) return GROUND;
	// An ESC with a final byte of its own (ESC 7, ESC c, ESC M) is whole already.
	if (!STRINGS.has(kind) && kind !== CSI && (kind < 0x20 || kind > 0x2f)) return GROUND;
	return ends(kind, data, from, to) ? GROUND : kind;
}

/**
 * The place in `data` just after a line feed outside any escape sequence, the last one if `last`
 * (else the first), or -1 if none of the `tries` nearest line feeds is such a place.
 */
export function lineEnd(data: Uint8Array, before: number, last: boolean, tries = 8): number {
	let from = last ? data.length - 1 : 0;
	for (let n = 0; n < tries && from >= 0; n++) {
		const at = last ? data.lastIndexOf(0x0a, from) : data.indexOf(0x0a, from);
		if (at < 0) return -1;
		if (stateAfter(data, at + 1, before) === GROUND) return at + 1;
		from = last ? at - 1 : at + 1;
	}
	return -1;
}
