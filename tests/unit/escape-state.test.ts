import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROUND, lineEnd, stateAfter } from '../../src/client/escape-state.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const after = (text: string, before = GROUND) =>
	stateAfter(bytes(text), bytes(text).length, before);
const code = (char: string) => char.charCodeAt(0);

describe('where a terminal is between escape sequences', () => {
	it('is outside any after text, colours and finished sequences', () => {
		assert.equal(after('plain line\r\n'), GROUND);
		assert.equal(after('\x1b[1;34mblue\x1b[0m\r\n'), GROUND);
		assert.equal(after('\x1b]0;title\x07 and \x1b]8;;https://x\x1b\\link\r\n'), GROUND);
		assert.equal(after('\x1b(B\x1b7\x1bc'), GROUND);
	});

	it('is inside a sequence a line feed does not end', () => {
		// Control characters inside a CSI sequence are executed and the sequence goes on.
		assert.equal(after('\x1b[1;\n'), code('['));
		// A title, a hyperlink or an image's base64 may hold line feeds.
		assert.equal(after('\x1b]0;two\nlines'), code(']'));
		assert.equal(after('\x1bPq#0;2;0;0;0\n#1'), code('P'));
		assert.equal(after('\x1b_Gf=100;iVBOR\nw0KG'), code('_'));
		assert.equal(after('text\x1b'), 0x1b);
		assert.equal(after('\x1b('), code('('));
	});

	it('follows a sequence from one piece of output into the next', () => {
		assert.equal(after('tle\x07 after\n', code(']')), GROUND);
		assert.equal(after('still the title\n', code(']')), code(']'));
		assert.equal(after('[1;34m', 0x1b), GROUND);
		assert.equal(after('[1;3', 0x1b), code('['));
		assert.equal(after('', 0x1b), 0x1b);
		// CAN and SUB cancel a sequence.
		assert.equal(after('abc\x18', code(']')), GROUND);
	});

	it('finds the last line end outside any sequence, or none', () => {
		const data = bytes('one\ntwo\n\x1b]0;ti\ntle');
		assert.equal(lineEnd(data, GROUND, true), 'one\ntwo\n'.length);
		assert.equal(lineEnd(data, GROUND, false), 'one\n'.length);
		assert.equal(lineEnd(bytes('\x1b[1;\n2m x\n'), GROUND, true), '\x1b[1;\n2m x\n'.length);
		assert.equal(lineEnd(bytes('no line end'), GROUND, true), -1);
		assert.equal(lineEnd(bytes('inside\nthe title\n'), code(']'), true), -1);
		assert.equal(lineEnd(bytes('\n'), GROUND, true), 1);
	});
});
