import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
	displayTemplate,
	parseTemplate,
	renderTemplate,
	secretEnvName,
} from '../../src/runbook/template.ts';
import { argvOfEach, injections } from '../support/injections.ts';

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
const INJECTIONS = injections('M');

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
			`echo {{a:word}} "x {{b:word}}" 'y {{c:int}}' $(echo {{d:word}}) "z $(echo {{g:word}})"; psql -c "SELECT {{e:int}}" -c \\\n  'SELECT {{f:int}}'; echo $(( {{h:int}} ))`,
		);
		const contexts = Object.fromEntries(
			template.segments.flatMap((s) => (typeof s === 'string' ? [] : [[s.param, s.context]])),
		);
		assert.deepEqual(contexts, {
			a: 'bare',
			b: 'double',
			c: 'single',
			d: 'bare',
			e: 'code',
			f: 'code',
			g: 'bare',
			h: 'arithmetic',
		});
	});

	it('refuses unsafe types where values cannot be quoted', () => {
		assert.equal(
			parse(`psql -c "SELECT pg_terminate_backend({{pid:text}})"`).problems[0],
			'parameter "pid" of type text stands in the arguments of psql, which reads them as queries or scripts: a text value there could run as code. Only int, sha and enum may stand there: use one of those types, or pass the value as a plain argument of an ordinary command (see "Where a parameter may stand" in Writing runbooks)',
		);
		assert.match(parse(`echo 'y {{x:word}}'`).problems[0] ?? '', /inside '…' quotes/);
		assert.match(
			parse(`sh -c 'echo {{x:word}}'`).problems[0] ?? '',
			/stands as the script of sh .*could run as code/,
		);
		assert.match(
			parse('echo $(( {{x:sha}} ))').problems[0] ?? '',
			/stands inside \$\(\( … \)\); only int may stand there/,
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
			exec: { command: 'kill 42', env: {} },
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

	it('keeps secrets off the command line it executes', () => {
		assert.equal(secretEnvName('db_password'), 'OPSBOOK_SECRET_DB_PASSWORD');
		const result = render(
			`printf '<%s>\\n' {{db_password:secret}} "x {{db_password}} y" admin:{{db_password}} {{user:word}}`,
			{ db_password: 'hunter2', user: 'ops' },
		);
		assert.ok(result.ok);
		assert.deepEqual(result.exec, {
			command: `printf '<%s>\\n' "\${OPSBOOK_SECRET_DB_PASSWORD}" "x \${OPSBOOK_SECRET_DB_PASSWORD} y" admin:"\${OPSBOOK_SECRET_DB_PASSWORD}" ops`,
			env: { OPSBOOK_SECRET_DB_PASSWORD: 'hunter2' },
		});
	});

	it('executes the same arguments from the environment as from the inline command', () => {
		const dir = mkdtempSync(join(tmpdir(), 'opsbook-secret-'));
		try {
			const values = [
				...INJECTIONS,
				'hunter2',
				`it's "quoted"`,
				'a  b   c',
				'$HOME $(id) `id` ${PATH}',
				'!! !$ !-1',
				'\\n\\0 %s',
				'*',
				'~root',
				'x=y',
			];
			const sources = [
				`printf '<%s>\\0' {{pw:secret}} "x {{pw}} y" admin:{{pw}} "$(printf %s {{pw}} | wc -c)"`,
				`PGPASSWORD={{pw:secret}} bash -c 'printf "<%s>\\0" "$PGPASSWORD"'`,
			];
			for (const source of sources) {
				const { template } = parse(source);
				const executed = new Set<string>();
				const env: Record<string, string> = {};
				const fromEnv: string[] = [];
				const fromLine: string[] = [];
				values.forEach((value, n) => {
					const result = renderTemplate(template, { pw: value });
					assert.ok(result.ok, JSON.stringify(value));
					executed.add(result.exec.command);
					// One bash for all values: each subshell takes its variable from the environment.
					for (const [name, secret] of Object.entries(result.exec.env)) {
						env[`T${n}_${name}`] = secret;
						fromEnv.push(`export ${name}="$T${n}_${name}"; ${result.exec.command}`);
					}
					fromLine.push(result.command);
				});
				assert.deepEqual(
					argvOfEach(fromEnv, { cwd: dir, env }),
					argvOfEach(fromLine, { cwd: dir }),
					source,
				);
				// The executed command never changes with the secret: the value is only in the environment.
				assert.equal(executed.size, 1, [...executed].join('\n'));
			}
			assert.equal(existsSync(join(dir, 'M')), false);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
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
