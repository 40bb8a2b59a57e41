/**
 * Importing MkDocs-Material and GitHub Markdown runbooks: each construct on its own, and every
 * page the importer writes read back through the model without a problem.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
	formatReport,
	importMarkdown,
	summarizeReport,
	type ImportResult,
} from '../../src/import/index.ts';
import { commandName } from '../../src/import/infer.ts';
import { ConfigSchema } from '../../src/runbook/config.ts';
import { parseRunbook, type FoundBlock } from '../../src/runbook/parse.ts';

const config = ConfigSchema.parse({});

/** Imports `source` and reads the page back; the model must find no problem in it. */
function imported(
	source: string,
	format?: 'mkdocs' | 'gfm',
): ImportResult & { blocks: FoundBlock[] } {
	const result = importMarkdown(source, {
		file: 'docs/page.md',
		componentsModule: '../src/components.ts',
		...(format ? { format } : {}),
	});
	const parsed = parseRunbook(result.mdx, { file: 'page.mdx', contentPath: 'page.mdx', config });
	assert.deepEqual(parsed.problems, [], result.mdx);
	assert.ok(!result.report.some((n) => /does not parse as MDX/.test(n.message)), result.mdx);
	return { ...result, blocks: parsed.blocks };
}
const messages = (result: ImportResult) => result.report.map((n) => `${n.line}: ${n.message}`);

describe('admonitions', () => {
	it('become Starlight asides, the original kind kept in the title', () => {
		const { mdx } = imported(
			'!!! info "Server details"\n    - IP: `10.0.0.1`\n\n!!! danger "SEV-1"\n    Down.\n',
		);
		assert.match(
			mdx,
			/<Aside type="note" title="Info: Server details">\n {2}- IP: `10\.0\.0\.1`\n<\/Aside>/,
		);
		assert.match(mdx, /<Aside type="danger" title="SEV-1">/);
		assert.match(mdx, /^import \{ Aside \} from '@astrojs\/starlight\/components';$/m);
	});

	it('keep the kind as the title when the title is empty or missing', () => {
		const { mdx } = imported('!!! attention ""\n    Look.\n\n!!! note\n    Plain.\n');
		assert.match(mdx, /<Aside type="caution" title="Attention">/);
		assert.match(mdx, /<Aside type="note">\n {2}Plain\./);
	});

	it('nest, and ???/???+ become collapsible details that keep their kind', () => {
		const { mdx } = imported(
			'??? warning "Outer"\n    Text.\n\n    !!! tip\n        Inner.\n\n???+ note\n    Open.\n\n??? note "Why"\n    Because.\n\nAfter.\n',
		);
		assert.match(
			mdx,
			/<details>\n {2}<summary>\n {4}Warning: Outer\n {2}<\/summary>\n\n {2}Text\.\n\n {2}<Aside type="tip">\n {4}Inner\.\n {2}<\/Aside>\n<\/details>/,
		);
		assert.match(mdx, /<details open>\n {2}<summary>\n {4}Note\n/);
		assert.match(mdx, /<details>\n {2}<summary>\n {4}Note: Why\n {2}<\/summary>\n\n {2}Because\./);
		assert.match(mdx, /<\/details>\n\nAfter\.\n$/);
	});

	it('read GitHub alerts and :::note directives', () => {
		const { mdx } = imported(
			'> [!WARNING]\n> Careful.\n\n:::note[Heads up]\n    Indented body.\n:::\n\n:::tip\nTip.\n:::\n',
			'gfm',
		);
		assert.match(mdx, /<Aside type="caution" title="Warning">\n {2}Careful\.\n<\/Aside>/);
		assert.match(mdx, /<Aside type="note" title="Heads up">\n {2}Indented body\.\n<\/Aside>/);
		assert.match(mdx, /<Aside type="tip">\n {2}Tip\.\n<\/Aside>/);
	});
});

describe('tabs', () => {
	it('make one group of consecutive tabs, with Opsbook’s Tabs', () => {
		const { mdx } = imported(
			'=== "A"\n\n    One.\n\n=== "B"\n\n    Two.\n\nAfter.\n\n=== "C"\n    Three.\n',
		);
		assert.equal(mdx.match(/<Tabs>/g)?.length, 2);
		assert.match(
			mdx,
			/<Tabs>\n {2}<TabItem label="A">\n {4}One\.\n {2}<\/TabItem>\n\n {2}<TabItem label="B">\n {4}Two\.\n {2}<\/TabItem>\n<\/Tabs>\n\nAfter\./,
		);
		assert.match(mdx, /^import \{ Tabs, TabItem \} from '\.\.\/src\/components\.ts';$/m);
		assert.doesNotMatch(mdx, /@astrojs\/starlight\/components'.*Tabs/);
	});

	it('nest in admonitions and hold admonitions', () => {
		const { mdx } = imported(
			'!!! note "Pick one"\n    === "Docker"\n        ```bash\n        docker ps\n        ```\n\n    === "Podman"\n        !!! tip\n            ```bash\n            podman ps\n            ```\n',
		);
		assert.match(
			mdx,
			/<Aside type="note" title="Pick one">\n {2}<Tabs>\n {4}<TabItem label="Docker">/,
		);
		assert.match(
			mdx,
			/<TabItem label="Podman">\n {6}<Aside type="tip">[\s\S]*podman ps[\s\S]*<\/Aside>\n {4}<\/TabItem>\n {2}<\/Tabs>\n<\/Aside>/,
		);
	});

	it('start a new group at ===!', () => {
		const { mdx } = imported('=== "A"\n    One.\n\n===! "B"\n    Two.\n');
		assert.equal(mdx.match(/<Tabs>/g)?.length, 2);
	});
});

describe('shell fences', () => {
	it('become typed blocks in lists, tabs and admonitions, with 3 or 4 backticks and attributes', () => {
		const { blocks, mdx } = imported(
			'1. First\n\n    ````bash title="List pods" linenums="1"\n    kubectl get pods\n    ````\n\n=== "T"\n    ``` { .sh hl_lines="1" }\n    df -h\n    ```\n',
		);
		assert.deepEqual(
			blocks.map((b) => [b.block.lang, b.block.title, b.block.template]),
			[
				['bash', 'List pods', 'kubectl get pods'],
				['sh', 'df', 'df -h'],
			],
		);
		assert.match(
			mdx,
			/```bash id=page\.top\.kubectl-get risk=read showLineNumbers title="List pods"/,
		);
		assert.match(mdx, /```sh id=page\.top\.df risk=read mark=\{1\} title="df"/);
	});

	it('split console prompts into the command and its expected output', () => {
		const { blocks, mdx } = imported(
			'```console\n$ kubectl get pods \\\n    -n prod\nNAME   READY\napi    1/1\n$ echo done\ndone\n```\n',
		);
		assert.deepEqual(
			blocks.map((b) => b.block.template),
			['kubectl get pods \\\n    -n prod', 'echo done'],
		);
		assert.match(mdx, /```text title="Expected output"\nNAME {3}READY\napi {4}1\/1\n```/);
		assert.match(mdx, /```text title="Expected output"\ndone\n```/);
	});

	it('report each command of a console block at its own source line', () => {
		const source =
			'# Restart\n\n```console\n$ systemctl status api\nactive\n\n$ systemctl restart api\n```\n';
		const result = imported(source);
		const reported = (pattern: RegExp) =>
			result.report.filter((n) => pattern.test(n.message)).map((n) => n.line);
		assert.deepEqual(reported(/^id=/), [4, 7]);
		assert.deepEqual(reported(/^risk=/), [4, 7]);
		assert.deepEqual(reported(/expected output/), [4]);
		assert.match(
			result.mdx,
			/review \(source line 4\): [^*]*\*\/\}\n\n```bash id=page\.top\.systemctl-status /,
		);
		assert.match(
			result.mdx,
			/review \(source line 7\): [^*]*\*\/\}\n\n```bash id=page\.top\.systemctl-restart /,
		);
	});

	it('keep output-only blocks static, and leave other languages alone', () => {
		const { blocks, mdx, report } = imported(
			'```bash\nNAME   READY\napi    1/1\n```\n\n```yaml\nkey: value\n```\n',
		);
		assert.equal(blocks.length, 0);
		assert.match(mdx, /```bash static\nNAME/);
		assert.match(mdx, /```yaml\nkey: value\n```/);
		assert.ok(report.some((n) => n.line === 1 && /read as output \(table rows\)/.test(n.message)));
	});

	it('keep a fence static whose lines read as output, with the reason, and pipelines typed', () => {
		const fences = [
			'info | 1636380469.5728037 | wal-archive | Backup not configured, skip WAL archiving\ninfo | 1636383566.0664876 | postgres | record',
			'/var/lib/postgresql/data/pgdata/core.14177',
			'2021-11-08 14:07:39.610 UTC [15] LOG:  ending log output to stderr',
			'Name:               cluster-example\nNamespace:          default',
			'| NAME | STATUS |\n|------|--------|\n| api  | up     |',
			'/dev/rbd0 on /var/lib/kubelet/pods type ext4 (rw,relatime)',
		];
		const source = fences.map((code) => `\`\`\`shell\n${code}\n\`\`\`\n`).join('\n');
		const { blocks, mdx, report } = imported(source);
		assert.deepEqual(blocks, [], mdx);
		assert.equal(mdx.match(/```shell static\n/g)?.length, fences.length, mdx);
		assert.deepEqual(
			report.map((n) => /read as output \(([^)]*)\)/.exec(n.message)?.[1]),
			[
				'log lines with | columns',
				'a file path with no command',
				'timestamped log lines',
				'key: value lines',
				'table rows',
				'a device or file listing',
			],
		);

		// A bare path in a fence without a language is not read as a command either.
		const bare = imported('```\n/var/lib/postgresql/data/pgdata/core.14177\n```\n');
		assert.deepEqual(bare.blocks, []);
		assert.match(messages(bare).join('\n'), /1: .*reads as output \(a file path with no command\)/);

		// What runs a program stays a command: pipelines, scripts by path, a kubectl plugin.
		const kept = imported(
			[
				'ps aux | grep celery | wc -l',
				`kubectl logs api | jq -r '[.level, .msg] | join(" | ")'`,
				'/opt/gitlab/embedded/bin/openssl version',
				'./scripts/backup.sh',
				'kubectl-cnpg status <cluster>',
			]
				.map((code) => `\`\`\`shell\n${code}\n\`\`\`\n`)
				.join('\n'),
		);
		assert.deepEqual(
			kept.blocks.map((b) => b.block.template),
			[
				'ps aux | grep celery | wc -l',
				`kubectl logs api | jq -r '[.level, .msg] | join(" | ")'`,
				'/opt/gitlab/embedded/bin/openssl version',
				'./scripts/backup.sh',
				'kubectl-cnpg status {{cluster:word}}',
			],
		);
	});

	it('show the output lines that follow a command unprompted as its expected output', () => {
		const result = imported(
			'```shell\ncurl "https://gitlab.example.com"\ncurl: (60) SSL certificate problem: self signed certificate\nMore details here: https://curl.se/docs/sslcerts.html\n```\n\n' +
				'```bash\ncat <<EOF > /tmp/x.yaml\nname: x\nEOF\n```\n',
		);
		assert.deepEqual(
			result.blocks.map((b) => b.block.template),
			['curl "https://gitlab.example.com"', 'cat <<EOF > /tmp/x.yaml\nname: x\nEOF'],
		);
		assert.match(
			result.mdx,
			/```text title="Expected output"\ncurl: \(60\) SSL certificate problem: self signed certificate\nMore details here: https:\/\/curl\.se\/docs\/sslcerts\.html\n```/,
		);
		assert.ok(
			result.report.some(
				(n) => n.line === 3 && /the last lines read as output \(key: value lines\)/.test(n.message),
			),
			messages(result).join('\n'),
		);
	});

	it('read a fence without a language as shell only when its lines are commands', () => {
		const { blocks, mdx } = imported(
			'```\nsudo systemctl status nginx\n```\n\n```\nSome text\n```\n',
		);
		assert.equal(blocks.length, 1);
		assert.match(mdx, /```\nSome text\n```/);
	});
});

describe('risk', () => {
	const riskOf = (command: string) => imported(`\`\`\`bash\n${command}\n\`\`\`\n`).blocks[0]!.block;
	it('is destructive for deletes, with a confirmation word', () => {
		for (const [command, word] of [
			['rm -rf /tmp/cache', 'rm'],
			['find /var/log -mtime +14 -delete', 'delete'],
			['psql -c "SELECT pg_terminate_backend(42);"', 'terminate'],
			['docker compose down', 'down'],
			['sudo journalctl --vacuum-time=3d', 'vacuum'],
			['bash scripts/restore.sh orion latest', 'restore'],
			['git push --force', 'force'],
		]) {
			const block = riskOf(command!);
			assert.equal(block.risk, 'destructive', command);
			assert.equal(block.confirm, word, command);
		}
	});
	it('is change for restarts and writes, read otherwise; comments do not count', () => {
		assert.equal(riskOf('kubectl rollout restart deploy/api').risk, 'change');
		assert.equal(riskOf('kubectl scale deploy/api --replicas=3').risk, 'change');
		assert.equal(riskOf('echo 1 > /proc/sys/vm/drop_caches_x').risk, 'change');
		assert.equal(riskOf('# kill it, then restart\nps aux | grep api').risk, 'read');
		assert.equal(riskOf('curl -s localhost:8080/health 2>/dev/null').risk, 'read');
	});
	it('reads rollout history and status, and mount listing its mounts, as read', () => {
		assert.equal(riskOf('kubectl rollout history deploy/api').risk, 'read');
		assert.equal(riskOf('kubectl -n app rollout status deploy/api').risk, 'read');
		assert.equal(riskOf('kubectl rollout undo deploy/api').risk, 'change');
		assert.equal(riskOf('mount | grep rbd').risk, 'read');
		assert.equal(riskOf('mount').risk, 'read');
		assert.equal(riskOf('sudo mount -l -t ext4').risk, 'read');
		assert.equal(riskOf('mount /dev/rbd0 /mnt').risk, 'change');
	});
	it('is destructive for a drain that deletes the pods’ local data', () => {
		for (const flag of ['--delete-local-data', '--delete-emptydir-data']) {
			const block = riskOf(`kubectl drain node-1 --ignore-daemonsets ${flag}`);
			assert.deepEqual([block.risk, block.confirm], ['destructive', 'delete'], flag);
		}
		assert.equal(riskOf('kubectl drain node-1 --ignore-daemonsets').risk, 'change');
	});
	it('reads what a program does from its name, also after --', () => {
		const restore = riskOf(
			'kubectl exec -i new-cluster-1 -c postgres -- pg_restore --no-owner -d app < app.dump',
		);
		assert.deepEqual([restore.risk, restore.confirm], ['destructive', 'restore']);
		assert.equal(
			riskOf('kubectl -n rook-ceph exec deploy/rook-ceph-tools -- set-ceph-debug-level 1').risk,
			'change',
		);
		assert.equal(riskOf('sudo update-ca-certificates').risk, 'change');
		// Only a program's name: the names of the things it reads say nothing.
		assert.equal(riskOf('pg_isready -h db && kubectl get pod restore-checker-1').risk, 'read');
	});
	it('makes an ssh login and an editor interactive', () => {
		assert.deepEqual(
			[riskOf('ssh deploy@10.0.0.1').risk, riskOf('ssh deploy@10.0.0.1').interactive],
			['change', true],
		);
		assert.equal(riskOf('sudo nano /etc/caddy/Caddyfile').interactive, true);
	});
});

describe('placeholders', () => {
	const paramsOf = (command: string) => {
		const { blocks } = imported(`\`\`\`bash\n${command}\n\`\`\`\n`);
		return blocks[0]?.block.params.map((p) => `${p.name}:${p.type}`);
	};
	it('become typed parameters from <x>, ${VAR}, $VAR and {{ x }}', () => {
		assert.deepEqual(paramsOf('kubectl -n $NAMESPACE logs <pod-name> --tail=<lines>'), [
			'namespace:word',
			'pod_name:word',
			'lines:int',
		]);
		assert.deepEqual(paramsOf('git checkout <previous-good-commit> && kill ${PID}'), [
			'previous_good_commit:sha',
			'pid:int',
		]);
		assert.deepEqual(paramsOf('curl http://localhost:{{ port }}/health'), ['port:int']);
		// A revision is a number; only commits and hashes are shas.
		assert.deepEqual(
			paramsOf('kubectl rollout undo deploy/api --to-revision=<revision> && git show $GIT_SHA'),
			['revision:int', 'git_sha:sha'],
		);
	});
	it('give port-like names the range of a port', () => {
		const { blocks, mdx } = imported(
			'```bash\nss -ltnp "sport = :$PORT"; nc -z localhost <local-port>\n```\n',
		);
		assert.deepEqual(
			blocks[0]!.block.params.map((p) => [p.name, p.type, p.min, p.max]),
			[
				['port', 'int', 1, 65535],
				['local_port', 'int', 1, 65535],
			],
		);
		assert.match(mdx, /\{\{port:int\(1\.\.65535\)\}\}/);
	});
	it('leave variables the block sets, the environment, and single quotes alone', () => {
		assert.deepEqual(paramsOf('export NS=prod\nkubectl -n $NS get pods\nls $HOME'), []);
		assert.deepEqual(paramsOf("awk '{print $NF}' file"), []);
	});
	it('keep a block static when a placeholder cannot stand where it is', () => {
		const { blocks, mdx, report } = imported(
			'```bash\nssh host "systemctl restart <service>"\n```\n',
		);
		assert.equal(blocks.length, 0);
		assert.match(mdx, /```bash static\nssh host "systemctl restart <service>"/);
		assert.ok(report.some((n) => /cannot become a parameter/.test(n.message)));
	});
	it('escape {{ that Opsbook would read, and keep Go templates', () => {
		const { blocks } = imported('```bash\ndocker ps --format "{{.Names}}"\n```\n');
		assert.equal(blocks[0]!.block.template, 'docker ps --format "{{.Names}}"');
	});
});

describe('review marks and the report', () => {
	it('mark every inference in the page and the report, with the source line', () => {
		const result = imported('# Title\n\nText.\n\n```bash\nkubectl delete pod <pod>\n```\n');
		assert.match(
			result.mdx,
			/\{\/\* opsbook import, review \(source line 5\): \{\{pod:word\}\} from <pod>; risk=destructive inferred from “delete”; confirm=delete[^*]*\*\/\}\n\n```bash id=page\.top\.kubectl-delete risk=destructive confirm=delete/,
		);
		assert.deepEqual(messages(result), [
			'5: {{pod:word}} from <pod>',
			'5: risk=destructive inferred from “delete”',
			'5: confirm=delete is the word a responder types before it runs',
			'5: runs on this machine (target=local): set target= where it belongs to a server',
			'5: id=page.top.kubectl-delete and title “kubectl delete pod” from the page, the section and the command',
		]);
		assert.equal(result.title, 'Title');
	});

	it('say where each block runs, and how to run it on a server', () => {
		const source = '## Clean up\n\n```bash\ndocker image prune -af\n```\n\n```bash\nuptime\n```\n';
		const result = imported(source);
		assert.match(
			result.mdx,
			/review \(source line 3\):[^*]*runs on this machine \(target=local\): set target= where it belongs to a server/,
		);
		const report = formatReport('clean.md', result.report);
		assert.match(
			report,
			/^clean\.md: \[inferred\] 2 command blocks run on this machine \(target=local\), .*add it to targets in opsbook\.config\.ts \(\{ NAME: \{ kind: 'ssh', host: '…' \} \}\) and set target=NAME on the block/m,
		);
		assert.match(summarizeReport(result.report), /2 blocks on their default target/);
		// With a config whose default target is a server, the page says so.
		const staging = importMarkdown(source, { file: 'clean.md', defaultTarget: 'staging' });
		assert.match(staging.mdx, /runs on staging, the config's defaultTarget/);
	});

	it('suggest a target where a host placeholder keeps a block static', () => {
		const why = (command: string) =>
			imported(`\`\`\`bash\n${command}\n\`\`\`\n`).report.find((n) => n.kind === 'not-converted')
				?.message;
		assert.match(
			why('ssh <host> systemctl status api')!,
			/cannot become a parameter.*add it as a target in opsbook\.config\.ts .*without ssh <host> and with target=NAME/,
		);
		assert.match(
			why('redis-cli -h <redis-host> -p 6379 ping')!,
			/cannot become a parameter.*run it on a target for that host .*target=NAME on the block/,
		);
		assert.match(why('ssh web-1 "systemctl restart <service>"')!, /rewrite by hand$/);
	});

	it('list what needs a human first, and count the ids and read guesses', () => {
		const result = imported(
			'## Fix\n\n```console\n$ kubectl get pods\nNAME   READY\n```\n\n```bash\nkubectl -n app logs <pod>\n```\n\n' +
				'```bash\nkubectl delete pod <pod>\n```\n\n```bash\nssh <host> uptime\n```\n',
		);
		const lines = formatReport('fix.md', result.report).split('\n');
		assert.deepEqual(
			lines.map((line) => line.replace(/^(fix\.md(?::\d+)?: \[[\w-]+\] .{0,30}).*/, '$1')),
			[
				'fix.md:16: [not-converted] placeholder <host> cannot beco',
				'fix.md:12: [inferred] risk=destructive inferred from',
				'fix.md:12: [inferred] confirm=delete is the word a r',
				'fix.md: [inferred] 3 command blocks run on this m',
				'fix.md:8: [inferred] {{pod:word}} from <pod>',
				'fix.md:12: [inferred] {{pod:word}} from <pod>',
				'fix.md: [inferred] 3 ids and titles from the page',
				'fix.md: [inferred] 2 blocks guessed risk=read as ',
				'fix.md: [inferred] 2 routine conversions of conso',
			],
		);
		// The page keeps every one of them at its block.
		assert.equal((result.mdx.match(/opsbook import, review/g) ?? []).length, 5);
		assert.equal(
			summarizeReport(result.report),
			'1 not converted, 2 risk guesses, 3 blocks on their default target, 2 parameters, 0 checks, 0 other notes; 3 ids, 2 read guesses and 2 routine conversions counted',
		);
	});

	it('make a check of a console command whose output is one stable line', () => {
		const { blocks, mdx } = imported(
			'```console\n$ redis-cli ping\nPONG\n```\n\n```console\n$ systemctl is-active api\nactive\n```\n\n' +
				'```console\n$ date\nThu Nov 26 14:02:59 UTC 2026\n```\n\n```console\n$ redis-cli get x\n"abc"\n```\n\n' +
				'```console\n$ curl localhost\ncurl: (7) Failed to connect\n```\n\n```console\n$ kubectl get pods\nNAME   READY\n```\n',
		);
		assert.deepEqual(
			blocks.map((b) => [b.block.template, b.block.expect?.output]),
			[
				['redis-cli ping', '^PONG$'],
				['systemctl is-active api', '^active$'],
				['date', undefined],
				['redis-cli get x', undefined],
				['curl localhost', undefined],
				['kubectl get pods', undefined],
			],
		);
		assert.match(mdx, /expect-output="\^PONG\$" from the one line of output the page shows/);
		assert.match(
			mdx,
			/the line without a prompt is this command’s expected output, checked by expect-output/,
		);
	});

	it('title each block by its section and what it runs', () => {
		const { blocks } = imported(
			'## Fix\n\n```bash\nkubectl -n app delete pod <pod>\n```\n\n```bash\nsudo systemctl restart nginx\n```\n\n' +
				'```bash\nkubectl logs rook-ceph-osd-fl8fs\n```\n\n```bash title="Mine"\ndf -h\n```\n',
		);
		assert.deepEqual(
			blocks.map((b) => b.block.title),
			['Fix: kubectl delete pod', 'Fix: systemctl restart nginx', 'Fix: kubectl logs', 'Mine'],
		);
	});

	it('keeps what it cannot convert as text, and says so', () => {
		const result = imported(
			'Press <kbd>Ctrl</kbd> and {{< details >}} --8<-- "snippet.md"\n\n<div align="center">\n\n<!-- a comment -->\n',
			'gfm',
		);
		assert.match(result.mdx, /Press \\<kbd>Ctrl\\<\/kbd>/);
		assert.match(result.mdx, /\{\/\* a comment \*\/\}/);
		const text = messages(result).join('\n');
		assert.match(text, /1: inline HTML <kbd> is shown as text/);
		assert.match(text, /1: a Hugo shortcode/);
		assert.match(text, /1: a pymdownx.snippets include/);
		assert.match(text, /3: raw HTML that MDX cannot read is shown as text/);
	});

	it('rewrites links to other Markdown pages and drops MkDocs-only frontmatter with a note', () => {
		const result = imported(
			'---\ntitle: DB\ntags: [db]\n---\n\nSee [restore](restore.md#steps) and [home](index.md).\n',
		);
		assert.match(result.mdx, /\[restore\]\(\.\.\/restore\/#steps\) and \[home\]\(\.\.\/\)/);
		assert.match(messages(result).join('\n'), /1: frontmatter tags left out/);
	});

	it('points links to a heading’s own anchor at the anchor the heading gets', () => {
		const result = imported(
			'See the [exporter](#exporter) and [usage](#usage).\n\n## Usage\n\n### Document exporter {#exporter}\n\nText.\n',
		);
		assert.match(result.mdx, /\[exporter\]\(#document-exporter\) and \[usage\]\(#usage\)/);
		assert.match(result.mdx, /^### Document exporter$/m);
		assert.match(messages(result).join('\n'), /1: link #exporter rewritten to #document-exporter/);
	});

	it('gives every block an id from the page, its section and its program', () => {
		const { blocks, report } = imported(
			'## Check\n\n```bash\ndf -h\n```\n\n```bash\npg_restore -d app x.dump\n```\n\n' +
				'```bash\ndf -h /var\n```\n\n## Check\n\n```bash\ndf -h\n```\n\n## Café déjà vu\n\n```bash\ndf -h\n```\n',
		);
		assert.deepEqual(
			blocks.map((b) => [b.explicitId, b.block.id]),
			[
				[true, 'page.check.df'],
				[true, 'page.check.pg-restore'],
				[true, 'page.check.df-2'],
				[true, 'page.check-2.df'],
				[true, 'page.cafe-deja-vu.df'],
			],
		);
		assert.equal(report.filter((n) => /^id=/.test(n.message)).length, 5, 'each marked for review');
		assert.ok(report.some((n) => /^id=page\.check\.df-2 .*numbered/.test(n.message)));
	});

	it('keeps every other id when a block is added at the top of the page or of a section', async () => {
		// The seed, re-imported after its team added a check above everything and one at the start
		// of a section that has two blocks already.
		const seed = await readFile(
			'tests/fixtures/import/seed-mkdocs/incident-response-runbook.md',
			'utf8',
		);
		const idsOf = (source: string) => imported(source).blocks.map((b) => b.block.id);
		const before = idsOf(seed);
		const lines = seed.split('\n');
		const section = lines.indexOf('### Step 2: Is Docker running?');
		assert.ok(section > 0);
		const added = [
			lines[0],
			'',
			'```bash',
			'uptime',
			'```',
			...lines.slice(1, section + 1),
			'',
			'```bash',
			'systemctl is-active docker',
			'```',
			...lines.slice(section + 1),
		].join('\n');
		const after = idsOf(added);
		assert.deepEqual(
			after.filter((id) => !before.includes(id)),
			[
				'page.top.uptime',
				'page.quick-diagnosis-decision-tree-step-2-is-docker-running.systemctl-is-active',
			],
		);
		assert.deepEqual(
			after.filter((id) => before.includes(id)),
			before,
		);
	});

	it('keeps every other id when a section with repeated headings is added above', async () => {
		// Rook's page, after its team added a problem with its own Symptoms and Solution near the
		// top: every Symptoms/Solution below it keeps its blocks' ids.
		const rook = await readFile('tests/fixtures/import/rook/ceph-common-issues.md', 'utf8');
		const idsOf = (source: string) => imported(source).blocks.map((b) => b.block.id);
		const before = idsOf(rook);
		const at = rook.indexOf('## Cluster failing to service requests');
		assert.ok(at > 0);
		const added =
			rook.slice(0, at) +
			'## OSD down\n\n### Symptoms\n\n```console\n$ ceph osd tree\n```\n\n' +
			'### Solution\n\n```console\n$ kubectl -n rook-ceph get pods\n```\n\n' +
			rook.slice(at);
		const after = idsOf(added);
		assert.deepEqual(
			after.filter((id) => !before.includes(id)),
			['page.osd-down-symptoms.ceph-osd', 'page.osd-down-solution.kubectl-get'],
		);
		assert.deepEqual(
			after.filter((id) => before.includes(id)),
			before,
		);
	});

	it('names a command by its program and subcommand', () => {
		assert.deepEqual(
			[
				'sudo -u postgres pg_restore -d app x.dump',
				'# first\nFOO=1 kubectl get pods',
				'./scripts/restore.sh latest',
				'docker compose -f x.yml up -d',
				'{{cmd}} --help',
				'SC=$(kubectl get pvc x -o name)',
				'kubectl -n <namespace> --context=prod logs x',
				"NODE='<node from alert>'\ncd /srv && oc debug node/$NODE",
				'NODE=<node from alert>\nkubectl -n default debug node/$NODE',
			].map(commandName),
			[
				'pg-restore',
				'kubectl-get',
				'restore-latest',
				'docker-compose-up',
				'command',
				'kubectl-get',
				'kubectl-logs',
				'oc-debug',
				'kubectl-debug',
			],
		);
	});

	it('passes over the values of options, so a block is named by its verb', () => {
		assert.deepEqual(
			[
				'kubectl -n rook-ceph get pods',
				'kubectl --namespace rook-ceph -o wide --context prod get pods',
				'oc -n openshift-etcd -c etcdctl rsh etcd-0',
				'kubectl -n rook-ceph \\\n  exec -it deploy/rook-ceph-tools -- ceph status',
				'docker compose --profile full -f prod.yml ps',
				'docker-compose -p orion up -d',
				'systemctl -n 50 status caddy',
				'sudo journalctl -u caddy --since "1 hour ago" -n 100',
				'git -C /srv/orion log --oneline -5',
				'export NAMESPACE="$(kubectl get kubevirt -A -o name)"',
				'echo | openssl s_client -connect example.com:443',
			].map(commandName),
			[
				'kubectl-get',
				'kubectl-get',
				'oc-rsh',
				'kubectl-exec',
				'docker-compose-ps',
				'docker-compose-up',
				'systemctl-status',
				'journalctl',
				'git-log',
				'kubectl-get',
				'openssl-s-client',
			],
		);
	});

	it('keeps the ids of kubectl -n X blocks when a block is added above them', () => {
		const section = (blocks: string[]) =>
			imported(
				'## Pods\n\n' + blocks.map((b) => `\`\`\`bash\n${b}\n\`\`\`\n`).join('\n'),
			).blocks.map((b) => b.block.id);
		const get = 'kubectl -n rook-ceph get pods';
		const logs = 'kubectl -n rook-ceph logs -l app=rook-ceph-operator';
		assert.deepEqual(section([get, logs]), ['page.pods.kubectl-get', 'page.pods.kubectl-logs']);
		assert.deepEqual(section(['kubectl -n rook-ceph describe pod x', get, logs]), [
			'page.pods.kubectl-describe',
			'page.pods.kubectl-get',
			'page.pods.kubectl-logs',
		]);
	});
});
