/**
 * Where a placeholder may stand: every construct in which bash (or a program it starts) reads a
 * value as code is refused at build for free text, and every place that is allowed is proven by
 * a real bash: the value arrives as one literal argument and no marker file appears.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseTemplate, renderTemplate } from '../../src/runbook/template.ts';
import { argvOfEach, injections } from '../support/injections.ts';

const vars = { server: 'orion.example', app_path: '~/apps/orion' };
const dir = mkdtempSync(join(tmpdir(), 'opsbook-shell-'));
after(() => rmSync(dir, { recursive: true, force: true }));
/** The marker, relative to the directory every command runs in. */
const MARKER = 'M';
const INJECTIONS = injections(MARKER);

function problems(source: string) {
	return parseTemplate(source, vars).problems;
}
function assertNoMarker(what: string) {
	assert.equal(existsSync(join(dir, MARKER)), false, `nothing ran: ${what}`);
}

/** Free text in code: each of these must be refused at build, at the placeholder. */
const CODE_CONTEXTS: Array<[string, string]> = [
	['backticks', 'echo `echo {{v:text}}`'],
	['backticks inside "…"', 'echo "`echo {{v:text}}`"'],
	['backticks inside $(…)', 'echo $(echo `echo {{v:text}}`)'],
	['an unquoted here-document', 'cat <<EOF\n{{v:text}}\nEOF'],
	['a quoted here-document', "bash <<'EOF'\necho {{v:text}}\nEOF"],
	['a here-document with <<-', 'cat <<-EOF\n\t{{v:text}}\n\tEOF'],
	['a here-string', 'bash <<< {{v:text}}'],
	['$(( ))', 'echo $(( {{v:text}} + 1 ))'],
	['$(( )) inside "…"', 'echo "$(( {{v:text}} ))"'],
	['(( ))', '(( {{v:text}} > 1 )) && echo big'],
	['for (( ))', 'for (( i = 0; i < {{v:text}}; i++ )); do :; done'],
	['let', 'let n={{v:text}}'],
	['[[ -gt ]]', '[[ 5 -gt {{v:text}} ]] && echo ok'],
	['[[ "…" -eq ]]', '[[ "{{v:text}}" -eq 1 ]]'],
	['[[ -v ]]', '[[ -v {{v:text}} ]]'],
	['[ -v ]', '[ -v {{v:text}} ]'],
	['test -eq', 'test {{v:text}} -eq 1'],
	['an array subscript', 'a[{{v:text}}]=1'],
	['an array assignment', 'a=( {{v:text}} )'],
	['declare', 'declare x={{v:text}}'],
	['an assignment in a block that declares', 'declare -i n; n={{v:text}}'],
	['an assignment to OPTIND', 'OPTIND={{v:text}}'],
	['read', 'read {{v:text}} </dev/null'],
	['unset', 'unset {{v:text}}'],
	['printf -v', 'printf -v {{v:text}} %s x'],
	['eval', 'eval echo {{v:text}}'],
	['eval with "…"', 'eval "echo {{v:text}}"'],
	['sh -c unquoted', 'sh -c {{v:text}}'],
	['bash -c "…"', 'bash -c "echo {{v:text}}"'],
	["bash -c '…'", "bash -c 'echo {{v:text}}'"],
	['bash -lc', 'bash -lc "echo {{v:text}}"'],
	['bash -o pipefail -c', 'bash -o pipefail -c "echo {{v:text}}"'],
	['zsh -c', 'zsh -c "echo {{v:text}}"'],
	['a script file chosen by the value', 'bash {{v:text}}'],
	['sudo sh -c', 'sudo -u postgres sh -c "echo {{v:text}}"'],
	['sudo -s', 'sudo -s echo {{v:text}}'],
	['sudo -i', 'sudo -iu postgres echo {{v:text}}'],
	['env -S', 'env -S "echo {{v:text}}"'],
	['timeout … sh -c', 'timeout 10 sh -c "echo {{v:text}}"'],
	['xargs sh -c', 'echo x | xargs -I{} sh -c "echo {} {{v:text}}"'],
	['find -exec sh -c', 'find . -exec sh -c "echo {{v:text}}" \\;'],
	['docker exec … sh -c', 'docker exec web sh -c "echo {{v:text}}"'],
	['kubectl exec -- sh -c', 'kubectl exec pod -- sh -c "echo {{v:text}}"'],
	['the command of docker exec', 'docker exec -it -u root web {{v:text}} --help'],
	['the command of docker compose exec', 'docker compose -f x.yml exec -T api {{v:text}}'],
	['the command of docker run', 'docker run --rm -e A=1 alpine {{v:text}}'],
	['the command of podman exec', 'podman container exec web {{v:text}}'],
	['the command of docker exec after its -c', 'docker -c prod exec web {{v:text}}'],
	['the command of podman exec after its --url', 'podman --url tcp://h:8080 exec web {{v:text}}'],
	['the command of nerdctl exec after its -n', 'nerdctl -n k8s.io exec web {{v:text}}'],
	['the command of kubectl exec', 'kubectl exec -n ns pod -- {{v:text}}'],
	['a shell in docker exec', 'docker exec web bash -c "{{v:text}}"'],
	['trap', 'trap "echo {{v:text}}" EXIT'],
	['source', 'source {{v:text}}'],
	['.', '. {{v:text}}'],
	['ssh host CMD', 'ssh {{vars.server}} ls {{v:text}}'],
	["ssh host '…'", "ssh deploy@{{vars.server}} 'docker logs {{v:text}}'"],
	['ssh with options', 'ssh -p 2222 -o BatchMode=yes host -- echo "{{v:text}}"'],
	['ssh after a wrapper', 'timeout 5 ssh host uptime {{v:text}}'],
	['ssh quoted as a name', "'ssh' host {{v:text}}"],
	['scp', 'scp host:{{v:text}} .'],
	['su -c', 'su - postgres -c "psql {{v:text}}"'],
	['watch', 'watch ls {{v:text}}'],
	['psql -c', 'docker compose exec db psql -c "SELECT {{v:text}}"'],
	['redis-cli EVAL', 'redis-cli EVAL "return {{v:text}}" 0'],
	['awk', "awk '{ print {{v:text}} }' f"],
	['sed', 'sed "s/a/{{v:text}}/e" f'],
	['perl -e', 'perl -e "print {{v:text}}"'],
	['python3 -c', 'python3 -c "print({{v:text}})"'],
	['node -e', 'node -e "{{v:text}}"'],
	['any -c', 'git -c {{v:text}} status'],
	['any --eval=', 'tool --eval={{v:text}}'],
	['a function definition', 'f() { echo {{v:text}}; }; f'],
	['after a function definition', 'function f { :; }\necho {{v:text}}'],
	['alias', "alias ll='ls {{v:text}}'"],
	['${…}', 'echo "${HOME:-{{v:text}}}"'],
	['right after $', 'echo ${{v:text}}'],
	['process substitution', 'diff <(echo {{v:text}}) b'],
	['a case statement', 'case {{v:text}} in a) echo a;; esac'],
	['the command name', '{{v:text}} --version'],
	['the command name in $(…)', 'echo "$({{v:text}})"'],
	['the command of sudo', 'sudo {{v:text}}'],
	['a computed command name', '$EDITOR {{v:text}}'],
	['PATH=', 'PATH={{v:text}} ls'],
	['LD_PRELOAD=', 'LD_PRELOAD={{v:text}} ls'],
	['GIT_SSH_COMMAND=', 'GIT_SSH_COMMAND={{v:text}} git fetch'],
	['a pipe into sh', 'echo {{v:text}} | sh'],
	['a pipe into sudo -s', 'echo {{v:text}} | sudo -u root -s'],
	['a pipe into bash through a later stage', 'echo "$(printf %s {{v:text}})" | cat | bash -s'],
	['a pipe into psql in a container', 'printf %s {{v:text}} | docker compose exec -T db psql'],
	['a pipe into ssh', 'echo {{v:text}} |& ssh host'],
	['a pipe into xargs sh -c', 'echo {{v:text}} | xargs -I{} sh -c "echo {}"'],
	["'…'", "echo '{{v:text}}'"],
	["$'…'", "echo $'{{v:text}}'"],
	['a file-descriptor position', 'echo x {{v:text}}>out'],
];

describe('where a placeholder may stand', () => {
	for (const [what, source] of CODE_CONTEXTS) {
		it(`refuses free text in ${what}`, () => {
			const found = problems(source);
			assert.equal(
				found.length,
				1,
				`one problem for ${JSON.stringify(source)}: ${JSON.stringify(found)}`,
			);
			// The offset points at the placeholder, so the build error names its line and column.
			assert.equal(
				source.slice(found[0]!.offset).startsWith('{{v'),
				true,
				'offset of the placeholder',
			);
			assert.match(found[0]!.message, /^parameter "v" (of type text )?stands /);
			assert.match(found[0]!.message, /Where a parameter may stand/);
		});
	}

	it('refuses word, file, path and secret where text is refused', () => {
		for (const type of ['word', 'file', 'path', 'secret']) {
			for (const source of ['sh -c "x {{v:T}}"', "echo '{{v:T}}'", 'ssh host ls {{v:T}}']) {
				const found = problems(source.replace('T', type));
				assert.equal(found.length, 1, `${type} in ${source}`);
			}
		}
	});

	it('lets int, sha and enum stand in quotes and code, and only int in arithmetic', () => {
		for (const type of ['int', 'sha', 'enum(api|db)']) {
			for (const source of [
				"echo '{{v:T}}'",
				'bash -c "echo {{v:T}}"',
				'ssh host docker logs {{v:T}}',
				'echo `echo {{v:T}}`',
				'cat <<EOF\n{{v:T}}\nEOF',
				'awk "/{{v:T}}/" f',
			]) {
				assert.deepEqual(problems(source.replace('T', type)), [], `${type} in ${source}`);
			}
		}
		for (const source of [
			'echo $(( {{v:T}} + 1 ))',
			'(( {{v:T}} ))',
			'[[ 1 -lt {{v:T}} ]]',
			'let n={{v:T}}',
			'a[{{v:T}}]=1',
		]) {
			assert.deepEqual(problems(source.replace('T', 'int')), [], `int in ${source}`);
			for (const type of ['sha', 'enum(api|db)']) {
				assert.match(
					problems(source.replace('T', type))[0]?.message ?? '',
					/only int may stand there/,
					`${type} in ${source}`,
				);
			}
		}
	});

	it('refuses every type where no value can stand', () => {
		for (const source of ['echo ${a:-{{v:T}}}', 'echo ${{v:T}}', 'echo {{v:T}}>out']) {
			assert.match(problems(source.replace('T', 'int'))[0]?.message ?? '', /stands/, source);
		}
	});

	it('reads the Orion runbooks’ kinds of commands as data where they are', () => {
		for (const source of [
			'cd {{vars.app_path}} && git checkout {{commit:sha}}',
			'aws s3 sync s3://b/ x/ --endpoint-url "https://{{account_id:word}}.r2.example" --profile r2',
			'bash {{vars.app_path}}/scripts/restore.sh orion ~/backups/{{backup:file}}.sql.gz',
			'cd x && docker compose --profile full restart {{container:word}}',
			'docker exec -it {{container:word}} psql -U orion',
			'docker compose exec -T {{service:word}} ls /data',
			'kubectl exec -n {{ns:word}} {{pod:word}} -- ls {{dir:word}}',
			'docker run --rm -v {{volume:word}}:/v alpine ls /v',
			'docker compose exec db psql -c "SELECT pg_terminate_backend({{pid:int(1..4194304)}});"',
			'printf \'secret length %s\\n\' "$(printf %s {{password:secret}} | wc -c)"',
			'PGPASSWORD={{password:secret}} psql -h db -c "SELECT 1"',
			'sudo systemctl restart {{unit:word}}',
			'journalctl --since {{since:text}} -u caddy',
		]) {
			assert.deepEqual(problems(source), [], source);
		}
	});
});

/** Free text in every allowed place: `{{v:text}}` arrives as `expected(value)`, one argument. */
const DATA_CONTEXTS: Array<[string, (value: string) => string[]]> = [
	["printf '%s\\0' {{v:text}}", (v) => [v]],
	[`printf '%s\\0' "<{{v:text}}>"`, (v) => [`<${v}>`]],
	["printf '%s\\0' pre{{v:text}}post --opt={{v}}", (v) => [`pre${v}post`, `--opt=${v}`]],
	[`printf '%s\\0' "$(printf '%s' {{v:text}})"`, (v) => [v]],
	[`printf '%s\\0' "$(printf '%s' "[{{v:text}}]")"`, (v) => [`[${v}]`]],
	["if true; then printf '%s\\0' {{v:text}}; fi", (v) => [v]],
	[`for x in {{v:text}}; do printf '%s\\0' "$x"; done`, (v) => [v]],
	["{ printf '%s\\0' {{v:text}}; } 2>/dev/null", (v) => [v]],
	["( printf '%s\\0' {{v:text}} )", (v) => [v]],
	["true && printf '%s\\0' {{v:text}} | cat", (v) => [v]],
	["printf '%s\\0' {{v:text}} | grep -z '' | sed -z 's/^//'", (v) => [v]],
	["test -n {{v:text}} && printf '%s\\0' {{v}}", (v) => [v]],
	[`V={{v:text}}; printf '%s\\0' "$V"`, (v) => [v]],
	[`export V={{v:text}}; printf '%s\\0' "$V"`, (v) => [v]],
	[`V={{v:text}} bash -c 'printf "%s\\0" "$V"'`, (v) => [v]],
	[`sh -c 'printf "%s\\0" "$1"' sh {{v:text}}`, (v) => [v]],
	["env A=1 printf '%s\\0' {{v:text}}", (v) => [v]],
	["timeout 5 printf '%s\\0' {{v:text}}", (v) => [v]],
	["nice -n 1 printf '%s\\0' {{v:text}}", (v) => [v]],
	["command printf '%s\\0' {{v:text}}", (v) => [v]],
	["printf '%s\\0' {{v:text}} # {{v}}", (v) => [v]],
];

describe('values in allowed places, through a real bash', () => {
	for (const [source, expected] of DATA_CONTEXTS) {
		it(`delivers every injection literally: ${source}`, () => {
			const { template, problems: found } = parseTemplate(source, vars);
			assert.deepEqual(found, [], 'the template is allowed');
			const commands = INJECTIONS.map((value) => {
				const result = renderTemplate(template, { v: value });
				assert.ok(result.ok, `renders ${JSON.stringify(value)}`);
				return result.command;
			});
			assert.deepEqual(argvOfEach(commands, { cwd: dir }), INJECTIONS.map(expected));
			assertNoMarker(source);
		});
	}

	it('runs opaque values in code and arithmetic as the values they are', () => {
		const cases: Array<[string, Record<string, string>, string[]]> = [
			[`bash -c 'printf "%s\\0" {{c:sha}}'`, { c: 'a1b2c3d' }, ['a1b2c3d']],
			[`bash -c "printf '%s\\0' {{e:enum(celery-worker|db.1)}}"`, { e: 'db.1' }, ['db.1']],
			[
				"printf '%s\\0' '{{e:enum(celery-worker|db.1)}}'",
				{ e: 'celery-worker' },
				['celery-worker'],
			],
			["printf '%s\\0' `echo {{c:sha}}`", { c: 'deadbee' }, ['deadbee']],
			['eval printf "\'%s\\0\'" {{n:int(-5..5)}}', { n: '-5' }, ['-5']],
			["printf '%s\\0' $(( {{n:int(-5..5)}} * 2 ))", { n: '-3' }, ['-6']],
			["(( {{n:int}} > 2 )) && printf '%s\\0' big", { n: '3' }, ['big']],
			["[[ {{n:int}} -gt 2 ]] && printf '%s\\0' big", { n: '3' }, ['big']],
			[
				"cat <<EOF | tr '\\n' '\\0'\n{{c:sha}} $(( {{n:int}} + 1 ))\nEOF",
				{ c: 'abcdef0', n: '1' },
				['abcdef0 2'],
			],
		];
		const commands = cases.map(([source, values]) => {
			const { template, problems: found } = parseTemplate(source, vars);
			assert.deepEqual(found, [], source);
			const result = renderTemplate(template, values);
			assert.ok(result.ok, source);
			return result.command;
		});
		assert.deepEqual(
			argvOfEach(commands, { cwd: dir }),
			cases.map(([, , expected]) => expected),
		);
	});

	it('refuses at render time a value its context cannot hold, as a last line of defence', () => {
		for (const context of ['single', 'code', 'arithmetic', 'refused'] as const) {
			const result = renderTemplate(
				{ segments: ['echo ', { param: 'v', context }], params: [{ name: 'v', type: 'text' }] },
				{ v: `a[$(touch ${MARKER})]` },
			);
			assert.deepEqual(
				result,
				{ ok: false, errors: [{ param: 'v', message: 'v cannot be placed safely here' }] },
				context,
			);
		}
		const sha = renderTemplate(
			{
				segments: ['echo $(( ', { param: 'c', context: 'arithmetic' }, ' ))'],
				params: [{ name: 'c', type: 'sha' }],
			},
			{ c: 'deadbee' },
		);
		assert.equal(sha.ok, false, 'a sha is a variable name in arithmetic');
	});
});
