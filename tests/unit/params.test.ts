import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkParamValue, parseParamType, type ParamSpec } from '../../src/runbook/params.ts';

const spec = (typeText: string, name = 'p'): ParamSpec => {
	const parsed = parseParamType(name, typeText);
	assert.ok(parsed.ok, `type ${typeText} parses`);
	return parsed.spec;
};
const accepts = (typeText: string, values: string[]) => {
	for (const value of values) {
		const check = checkParamValue(spec(typeText), value);
		assert.ok(
			check.ok,
			`${typeText} accepts ${JSON.stringify(value)}: ${check.ok ? '' : check.message}`,
		);
	}
};
const rejects = (typeText: string, values: string[], because?: RegExp) => {
	for (const value of values) {
		const check = checkParamValue(spec(typeText), value);
		assert.ok(!check.ok, `${typeText} rejects ${JSON.stringify(value)}`);
		if (because) assert.match(check.message, because);
	}
};

describe('parameter types', () => {
	it('int takes whole numbers within its bounds', () => {
		accepts('int', ['0', '42', '2147483647']);
		accepts('int(1..4194304)', ['1', '4194304']);
		rejects('int(1..4194304)', ['0'], /at least 1/);
		rejects('int(1..4194304)', ['4194305'], /at most 4194304/);
		rejects(
			'int',
			['4.2', '1e3', '0x10', '12 ', ' 12', '12;rm', '007', '', '--1'],
			/whole number|required/,
		);
		rejects('int', ['-5'], /at least 0/);
		accepts('int(-10..10)', ['-10', '0']);
		// One spelling per number: -0 is 0 written differently (and `-0` is an option to some tools).
		rejects('int(-10..10)', ['-0', '-00', '-01', '+1'], /whole number/);
	});

	it('sha takes 7 to 40 lowercase hex digits', () => {
		accepts('sha', ['a1b2c3d', 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678']);
		rejects('sha', [
			'a1b2c3',
			'HEAD',
			'main',
			'a1b2c3g',
			'A1B2C3D',
			'a1b2c3d;ls',
			`${'a'.repeat(41)}`,
		]);
	});

	it('enum takes only its listed values', () => {
		accepts('enum(api|db|celery-worker)', ['api', 'celery-worker']);
		rejects(
			'enum(api|db|celery-worker)',
			['API', 'redis', 'api db', "api'"],
			/one of: api, db, celery-worker/,
		);
	});

	it('file takes one file name, never a path or an option', () => {
		accepts('file', ['orion_2026-11-25.sql', 'backup+1@x', 'a']);
		rejects('file', [
			'../etc/passwd',
			'a/b',
			'.env',
			'..',
			'-rf',
			'a b',
			'a\nb',
			'a$(id)',
			"a'b",
			'',
		]);
	});

	it('path takes relative paths that cannot climb out', () => {
		accepts('path', ['daily/orion.sql.gz', 'a/b/c', 'logs/app.log']);
		rejects(
			'path',
			['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', '-v', 'a b', 'a;b'],
			undefined,
		);
		assert.match((checkParamValue(spec('path'), 'a/../b') as { message: string }).message, /\.\./);
	});

	it('word takes one word', () => {
		accepts('word', ['celery-worker', 'user@host', 'key:value', 'a,b', '50%']);
		rejects('word', ['two words', '--force', 'a;b', 'a|b', '$HOME', '`id`', 'a"b', '']);
	});

	it('text takes one line without control characters', () => {
		accepts('text', ['30 minutes ago', "it's $HOME; `id` && rm -rf / | cat"]);
		rejects('text', ['line\nbreak', 'nul\u0000byte', 'esc\u001b[31m', '-n', '', 'x'.repeat(501)]);
	});

	it('uses the default when no value is given', () => {
		const withDefault = { ...spec('int(1..100)', 'lines'), default: '50' };
		assert.deepEqual(checkParamValue(withDefault, ''), { ok: true, value: '50' });
		assert.deepEqual(checkParamValue(withDefault, undefined), { ok: true, value: '50' });
		assert.deepEqual(checkParamValue(withDefault, '7'), { ok: true, value: '7' });
	});

	it('names the parameter in every message', () => {
		const check = checkParamValue(spec('int', 'pid'), 'abc');
		assert.ok(!check.ok);
		assert.equal(check.message, 'pid must be a whole number, like 4242');
	});

	it('refuses malformed type declarations with a fix', () => {
		for (const [typeText, message] of [
			['integer', /unknown type "integer"; use one of int, sha, enum/],
			['enum()', /enum has no values; list them like enum\(api\|db\|redis\)/],
			['enum(a|a)', /lists a value twice/],
			['enum(a|b c)', /may contain only letters/],
			['int(10..1)', /minimum above its maximum/],
			['int(one..two)', /int\(MIN\.\.MAX\)/],
			['word(x)', /takes no arguments/],
		] as const) {
			const parsed = parseParamType('p', typeText);
			assert.ok(!parsed.ok, typeText);
			assert.match(parsed.message, message);
		}
	});
});
