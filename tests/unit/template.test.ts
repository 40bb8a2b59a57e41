import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { displayTemplate, parseTemplate, renderTemplate } from '../../src/runbook/template.ts';
import { injections } from '../support/injections.ts';

const vars = { app_path: '~/apps/orion', db_user: 'orion_user' };

function parse(source: string) {
	const { template, problems } = parseTemplate(source, vars);
	return { template, problems: problems.map((p) => p.message) };
}
function render(source: string, values: Record<string, string>) {
	const { template, problems } = parse(source);
	assert.deepEqual(problems, [], `template parses: ${source}`);
	return renderTemplate(template, values);
}
/** What bash actually receives as arguments when it runs `command`. */
function argvOf(command: string): string[] {
	const out = execFileSync('bash', ['-c', `${command}`], { encoding: 'utf8' });
	return out.split('\u0000').slice(0, -1);
}

const INJECTIONS = injections('/tmp/opsbook-pwned');

describe('templates', () => {
	it('fills in variables and finds parameters', () => {
		const { template } = parse('cd {{vars.app_path}} && git checkout {{commit:sha}}');
		assert.deepEqual(template.segments, [
			'cd ~/apps/orion && git checkout ',
			{ param: 'commit', context: 'bare' },
		]);
		assert.deepEqual(template.params, [{ name: 'commit', type: 'sha' }]);
	});

	it('leaves Go templates and escaped braces alone', () => {
		const { template, problems } = parse(
			'docker stats --format "table {{.Name}}\\t{{ json . }}" \\{{x}}',
		);
		assert.deepEqual(problems, []);
		assert.deepEqual(template.segments, [
			'docker stats --format "table {{.Name}}\\t{{ json . }}" {{x}}',
		]);
	});

	it('tells the context of each placeholder', () => {
		const { template } = parse(
			`echo {{a:word}} "x {{b:word}}" 'y {{c:int}}' $(echo {{d:word}}) psql -c "SELECT {{e:int}}" -c \\\n  'SELECT {{f:int}}' "z $(echo {{g:word}})"`,
		);
		const contexts = Object.fromEntries(
			template.segments.flatMap((s) => (typeof s === 'string' ? [] : [[s.param, s.context]])),
		);
		assert.deepEqual(contexts, {
			a: 'bare',
			b: 'double',
			c: 'single',
			d: 'bare',
			e: 'embedded',
			f: 'embedded',
			g: 'bare',
		});
	});

	it('refuses unsafe types where values cannot be quoted', () => {
		assert.match(
			parse(`psql -c "SELECT pg_terminate_backend({{pid:text}})"`).problems[0] ?? '',
			/only int, sha and enum are allowed there/,
		);
		assert.match(parse(`echo 'y {{x:word}}'`).problems[0] ?? '', /inside '…' quotes/);
		assert.match(
			parse(`sh -c 'echo {{x:word}}'`).problems[0] ?? '',
			/code for another interpreter/,
		);
		assert.match(parse('echo ${HOME:-{{x:int}}}').problems[0] ?? '', /inside \$\{…\}/);
		assert.deepEqual(parse(`psql -c "SELECT pg_terminate_backend({{pid:int}})"`).problems, []);
	});

	it('refuses placeholders with no type, unknown variables and conflicting declarations', () => {
		assert.match(
			parse('kill {{pid}}').problems[0] ?? '',
			/"\{\{pid\}\}" has no type; declare it like \{\{pid:int\}\}/,
		);
		assert.match(
			parse('cd {{vars.nope}}').problems[0] ?? '',
			/unknown variable "vars.nope"; define it under vars/,
		);
		assert.match(
			parse('echo {{a:int}} {{a:word}}').problems[0] ?? '',
			/declared twice with different types/,
		);
		assert.match(
			parse('echo {{a:int=x}}').problems[0] ?? '',
			/default value: a must be a whole number/,
		);
		assert.deepEqual(parse('echo {{a:int}} {{a}}').problems, []);
	});

	it('renders validated values, and nothing when one fails', () => {
		assert.deepEqual(render('kill {{pid:int(1..99)}}', { pid: '42' }), {
			ok: true,
			command: 'kill 42',
			redacted: 'kill 42',
			values: { pid: '42' },
		});
		assert.deepEqual(
			render('kill {{pid:int(1..99)}} {{sig:enum(TERM|KILL)}}', { pid: '420; reboot', sig: 'HUP' }),
			{
				ok: false,
				errors: [
					{ param: 'pid', message: 'pid must be a whole number, like 4242' },
					{ param: 'sig', message: 'sig must be one of: TERM, KILL' },
				],
			},
		);
		const unknown = render('echo {{a:int}}', { a: '1', b: '2' });
		assert.ok(!unknown.ok && unknown.errors[0]?.message === 'b is not a parameter of this block');
	});

	it('delivers every injection attempt as one literal argument, bare and in double quotes', () => {
		for (const value of INJECTIONS) {
			for (const source of ["printf '%s\\0' {{v:text}}", `printf '%s\\0' "<{{v:text}}>"`]) {
				const result = render(source, { v: value });
				assert.ok(result.ok, `renders ${value}`);
				const expected = source.includes('"<') ? `<${value}>` : value;
				assert.deepEqual(
					argvOf(result.command),
					[expected],
					`${source} with ${JSON.stringify(value)}`,
				);
			}
		}
		assert.throws(() => execFileSync('test', ['-e', '/tmp/opsbook-pwned']), 'nothing was executed');
	});

	it('never shows a secret value in the redacted command, and refuses a secret default', () => {
		const result = render('curl -u admin:"{{password:secret}}" {{url:word}}', {
			password: 'hunter2',
			url: 'x',
		});
		assert.ok(result.ok);
		assert.equal(result.command, 'curl -u admin:"hunter2" x');
		assert.doesNotMatch(result.redacted, /hunter2/);
		assert.equal(result.redacted, `curl -u admin:""'***'"" x`);
		assert.match(
			parse('echo {{token:secret=abc}}').problems[0] ?? '',
			/secret and cannot have a default/,
		);
	});

	it('refuses newlines, NUL and leading dashes before they reach a shell', () => {
		for (const value of ['a\nrm -rf ~', 'a\u0000b', '--delete', '-rf']) {
			assert.equal(render('echo {{v:text}}', { v: value }).ok, false, JSON.stringify(value));
		}
		assert.equal(render('cat {{f:file}}', { f: '../../etc/shadow' }).ok, false);
		assert.equal(render('cat {{f:path}}', { f: 'a/../../etc/shadow' }).ok, false);
	});

	it('quotes only what needs quoting', () => {
		const result = render('echo {{a:word}} {{b:text}} "{{c:text}}"', {
			a: 'api',
			b: 'two words',
			c: "it's",
		});
		assert.ok(result.ok);
		// Inside "…" the value closes the quote, stands single-quoted, and reopens it.
		assert.equal(result.command, `echo api 'two words' ""'it'\\''s'""`);
	});

	it('shows missing parameters as <name> and defaults as values', () => {
		const { template } = parse('docker logs --tail={{lines:int=100}} {{service:enum(api|db)}}');
		const shown = displayTemplate(template);
		assert.equal(shown.text, 'docker logs --tail=100 <service>');
		assert.deepEqual(
			shown.holes.map((h) => shown.text.slice(h.start, h.end)),
			['100', '<service>'],
		);
	});
});
