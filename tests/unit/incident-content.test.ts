/**
 * What an incident reads from the content: the severity table, the escalation rules and the
 * report template, each refused with its file:line when an incident could not use it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import {
	escalationText,
	parseDuration,
	parseResponseTime,
	type IncidentContent,
} from '../../src/runbook/incident-content.ts';
import { formatProblems, loadRunbooks } from '../../src/runbook/runbooks-fs.ts';

const IMPORT = "import { Escalate, Severity, SeverityTable } from '../src/components.ts';\n";

/** A severity page (line 1 is the frontmatter's `---`; the table's header is at line 9). */
const severity = (rows: string, after = '') => `---
title: Severity
---

${IMPORT}
<SeverityTable>

| Level | Definition | Response Time |
|---|---|---|
${rows}

</SeverityTable>
${after}`;

const ROWS = `| <Severity level={1} /> | All down | &lt; 15 min |
| <Severity level={2} /> | Some down | &lt; 1 hour |`;

const TEMPLATE = `# Report: [Brief Title]

**Date**: YYYY-MM-DD

## Timeline (UTC)

| Time | Event |
|---|---|
| HH:MM | Alert |

## Root Cause

[Why.]`;

/** A template page whose template's first line is line 7. */
const templatePage = (markdown: string, open = '```md report-template') =>
	`---\ntitle: Report\n---\n\nText.\n\n${open}\n${markdown}\n\`\`\`\n`.replace(
		'\n\n' + open,
		'\n' + open,
	);

/** The problems (`file:line:column: message`) and incident content of a site of `files`. */
async function site(
	files: Record<string, string>,
): Promise<{ problems: string[]; incident: IncidentContent }> {
	const root = await mkdtemp(join(tmpdir(), 'opsbook-incident-'));
	try {
		for (const [path, text] of Object.entries(files)) {
			await mkdir(dirname(join(root, 'content', path)), { recursive: true });
			await writeFile(join(root, 'content', path), text);
		}
		const { problems, incident } = await loadRunbooks({ root });
		return {
			problems: formatProblems(problems)
				.split('\n')
				.slice(1)
				.map((line) => line.trim()),
			incident,
		};
	} finally {
		await rm(root, { recursive: true, force: true });
	}
}
const problemsOf = async (files: Record<string, string>) => (await site(files)).problems;

describe('the Orion content', () => {
	it('reads as three levels, two escalation rules and the report template', async () => {
		const { incident } = await loadRunbooks({ root: process.cwd() });
		assert.equal(incident.severityPage, 'severity');
		assert.deepEqual(
			incident.levels.map((l) => [l.level, l.responseTime, l.responseMinutes]),
			[
				[1, '< 15 min', 15],
				[2, '< 1 hour', 60],
				[3, '< 4 hours', 240],
			],
		);
		assert.equal(incident.levels[0]!.definition, 'Platform down, all users affected');
		assert.equal(incident.levels[0]!.notification, 'Immediate page');
		assert.equal(incident.levels[2]!.examples?.startsWith('High memory warning'), true);
		assert.deepEqual(incident.escalation, [
			{
				from: 2,
				to: 1,
				afterMinutes: 120,
				text: 'If a SEV-2 is not resolved within 2 hours, escalate to SEV-1.',
			},
			{
				from: 3,
				to: 2,
				when: 'trends toward impacting users',
				text: 'If a SEV-3 trends toward impacting users, escalate to SEV-2.',
			},
		]);
		assert.equal(incident.template?.file, 'content/post-incident.mdx');
		assert.equal(incident.template?.page, 'post-incident');
		assert.match(incident.template!.markdown, /^# Post-Incident Report: \[Brief Title\]\n/);
		assert.match(incident.template!.markdown, /## Timeline \(UTC\)\n\n\| Time \| Event \|/);
	});

	it('the fixture site has its own three levels and one rule on time', async () => {
		const { incident, problems } = await loadRunbooks({
			root: process.cwd(),
			contentDir: 'tests/fixtures/bridge/content',
			configFile: 'tests/fixtures/bridge/opsbook.config.ts',
		});
		assert.deepEqual(problems, []);
		assert.deepEqual(
			incident.levels.map((l) => l.responseMinutes),
			[10, 30, 120],
		);
		assert.deepEqual(
			incident.escalation.filter((r) => r.afterMinutes !== undefined),
			[
				{
					from: 2,
					to: 1,
					afterMinutes: 60,
					text: 'If a SEV-2 is not resolved within 1 hour, escalate to SEV-1.',
				},
			],
		);
		assert.equal(incident.template?.page, 'post-incident');
	});
});

describe('durations', () => {
	it('are a whole number and a unit', () => {
		assert.equal(parseResponseTime('< 15 min'), 15);
		assert.equal(parseResponseTime('<15 min'), 15);
		assert.equal(parseResponseTime('< 1 hour'), 60);
		assert.equal(parseResponseTime('< 4 hours'), 240);
		assert.equal(parseResponseTime('< 90 minutes'), 90);
		assert.equal(parseResponseTime('< 1 day'), 1440);
		assert.equal(parseDuration('2 hours'), 120);
	});

	it('refuse what would need a guess', () => {
		for (const text of ['15 min', '< 15', '< 15-30 min', '< 1.5 hours', '< 0 min', '< ASAP']) {
			assert.equal(parseResponseTime(text), undefined, text);
		}
		for (const text of ['2h', 'two hours', '2 hours ', '1 fortnight', '']) {
			assert.equal(parseDuration(text.trimEnd() === text ? text : `${text}x`), undefined, text);
		}
	});

	it('make the sentences of the seed runbook', () => {
		assert.equal(
			escalationText({ from: 2, to: 1, after: '2 hours' }),
			'If a SEV-2 is not resolved within 2 hours, escalate to SEV-1.',
		);
		assert.equal(
			escalationText({ from: 3, to: 2, when: 'trends toward impacting users' }),
			'If a SEV-3 trends toward impacting users, escalate to SEV-2.',
		);
	});
});

describe('the severity table', () => {
	it('is read in level order, with the optional columns when present', async () => {
		const { problems, incident } = await site({
			'severity.mdx': severity(
				'| <Severity level={2} /> | Some down | &lt; 1 hour |\n| <Severity level={1} /> | All down | &lt; 15 min |',
			).replace('| Level | Definition | Response Time |', '| Level | definition | RESPONSE TIME |'),
		});
		assert.deepEqual(problems, []);
		assert.deepEqual(incident.levels, [
			{ level: 1, definition: 'All down', responseTime: '< 15 min', responseMinutes: 15 },
			{ level: 2, definition: 'Some down', responseTime: '< 1 hour', responseMinutes: 60 },
		]);
		assert.equal(incident.severityPage, 'severity');
	});

	it('refuses a response time it cannot time, at its cell', async () => {
		assert.deepEqual(
			await problemsOf({
				'severity.mdx': severity(ROWS.replace('&lt; 1 hour', 'ASAP')),
			}),
			[
				'content/severity.mdx:12:38: SEV-2\'s response time "ASAP" is not one Opsbook can time: write &lt; and a duration, like &lt; 15 min, &lt; 90 minutes, &lt; 1 hour, &lt; 4 hours or &lt; 1 day',
			],
		);
	});

	it('refuses a table without a required column', async () => {
		assert.deepEqual(
			await problemsOf({
				'severity.mdx': severity(ROWS).replace('| Response Time |', '| Time |'),
			}),
			[
				'content/severity.mdx:9:1: the severity table has no "Response Time" column; its header names the columns Definition and Response Time (required), Examples and Notification (if you like)',
			],
		);
	});

	it('refuses a row without its level, a level given twice, and a gap', async () => {
		assert.deepEqual(
			await problemsOf({
				'severity.mdx': severity(
					`${ROWS}\n| SEV-3 | Slow | &lt; 4 hours |\n| <Severity level={2} /> | Again | &lt; 4 hours |`,
				),
			}),
			[
				'content/severity.mdx:13:1: each row of the severity table starts with its level, like | <Severity level={1} /> | …, a whole number from 1 (the worst) to 9',
				'content/severity.mdx:14:1: SEV-2 is in the severity table already, at line 12',
			],
		);
		assert.deepEqual(
			await problemsOf({
				'severity.mdx': severity(ROWS.replace('level={2}', 'level={3}')),
			}),
			[
				"content/severity.mdx:9:1: the severity table's levels are SEV-1 to SEV-2 without a gap; SEV-2 is missing",
			],
		);
	});

	it('refuses a <SeverityTable> without a table, and a second one in the site', async () => {
		assert.deepEqual(
			await problemsOf({
				'severity.mdx': `---\ntitle: Severity\n---\n\n${IMPORT}\n<SeverityTable>\nNo table here.\n</SeverityTable>\n`,
			}),
			[
				'content/severity.mdx:7:1: <SeverityTable> holds one Markdown table (with a blank line after <SeverityTable> and before </SeverityTable>), like | Level | Definition | Response Time | … with rows | <Severity level={1} /> | Platform down | &lt; 15 min |; this one holds none',
			],
		);
		assert.deepEqual(
			await problemsOf({
				'severity.mdx': severity(ROWS),
				'teams/other.mdx': severity(ROWS),
			}),
			[
				'content/teams/other.mdx:7:1: a site has one <SeverityTable>; the first is at content/severity.mdx:7',
			],
		);
	});
});

describe('escalation rules', () => {
	const withRule = (rule: string) => ({ 'severity.mdx': severity(ROWS, `\n${rule}\n`) });
	/** The line of the rule on the page `withRule` makes. */
	const LINE = 16;

	it('are read with their sentence', async () => {
		const { problems, incident } = await site(
			withRule('<Escalate from={2} to={1} after="90 minutes" />'),
		);
		assert.deepEqual(problems, []);
		assert.deepEqual(incident.escalation, [
			{
				from: 2,
				to: 1,
				afterMinutes: 90,
				text: 'If a SEV-2 is not resolved within 90 minutes, escalate to SEV-1.',
			},
		]);
	});

	it('refuse a level the table does not have', async () => {
		assert.deepEqual(await problemsOf(withRule('<Escalate from={3} to={1} after="1 hour" />')), [
			`content/severity.mdx:${LINE}:1: <Escalate> names SEV-3, which the severity table (content/severity.mdx:7) does not have; its levels are SEV-1, SEV-2`,
		]);
	});

	it('refuse both after and when, and neither', async () => {
		assert.deepEqual(
			await problemsOf(withRule('<Escalate from={2} to={1} after="1 hour" when="it spreads" />')),
			[
				`content/severity.mdx:${LINE}:1: <Escalate> takes either after="…" (a time) or when="…" (a judgement), not both: like <Escalate from={2} to={1} after="2 hours" /> or <Escalate from={3} to={2} when="trends toward impacting users" />`,
			],
		);
		assert.deepEqual(await problemsOf(withRule('<Escalate from={2} to={1} />')), [
			`content/severity.mdx:${LINE}:1: <Escalate> takes either after="…" (a time) or when="…" (a judgement), one of them: like <Escalate from={2} to={1} after="2 hours" /> or <Escalate from={3} to={2} when="trends toward impacting users" />`,
		]);
	});

	it('refuse an after that is no duration', async () => {
		assert.deepEqual(await problemsOf(withRule('<Escalate from={2} to={1} after="a while" />')), [
			`content/severity.mdx:${LINE}:1: <Escalate after="a while">: write a duration, like 15 min, 90 minutes, 1 hour, 4 hours, 1 day`,
		]);
	});

	it('refuse a level in quotes, a rule to a milder level, and an unknown attribute', async () => {
		assert.deepEqual(await problemsOf(withRule('<Escalate from="2" to={1} after="1 hour" />')), [
			`content/severity.mdx:${LINE}:1: <Escalate from=…> is a level written in braces, like from={2}, not "2"`,
		]);
		assert.deepEqual(await problemsOf(withRule('<Escalate from={1} to={2} after="1 hour" />')), [
			`content/severity.mdx:${LINE}:1: <Escalate from={1} to={2}>: escalating goes to a worse level, a smaller number (SEV-1 is the worst)`,
		]);
		assert.deepEqual(
			await problemsOf(withRule('<Escalate from={2} to={1} after="1 hour" notify="pager" />')),
			[
				`content/severity.mdx:${LINE}:1: <Escalate> takes from, to, and after or when; not "notify"`,
			],
		);
	});

	it('refuse a rule in a site without a severity table', async () => {
		assert.deepEqual(
			await problemsOf({
				'rules.mdx': `---\ntitle: Rules\n---\n\n${IMPORT}\n<Escalate from={2} to={1} after="1 hour" />\n`,
			}),
			[
				'content/rules.mdx:7:1: <Escalate> names levels of the severity table, and the site has none: wrap the table of levels in <SeverityTable>',
			],
		);
	});
});

describe('the report template', () => {
	it('is the fence marked report-template, with where it is written', async () => {
		const { problems, incident } = await site({ 'report.mdx': templatePage(TEMPLATE) });
		assert.deepEqual(problems, []);
		assert.deepEqual(incident.template, {
			markdown: TEMPLATE,
			file: 'content/report.mdx',
			line: 6,
			page: 'report',
		});
	});

	it('refuses a template that is not Markdown', async () => {
		assert.deepEqual(
			await problemsOf({ 'report.mdx': templatePage(TEMPLATE, '```text report-template') }),
			[
				'content/report.mdx:6:1: the report template is Markdown: open its fence with ```md report-template, not ```text',
			],
		);
	});

	it('refuses a template without a title or a timeline table, at the line', async () => {
		assert.deepEqual(
			await problemsOf({ 'report.mdx': templatePage(TEMPLATE.replace('# Report', '## Report')) }),
			[
				'content/report.mdx:6:1: the report template has no title: start it with a # heading, like # Post-Incident Report: [Brief Title]',
			],
		);
		assert.deepEqual(
			await problemsOf({
				'report.mdx': templatePage(TEMPLATE.replace('## Timeline (UTC)', '## Events')),
			}),
			[
				'content/report.mdx:6:1: the report template has no timeline: give it a heading with the word Timeline, followed by a table like | Time | Event |, which the report fills',
			],
		);
		assert.deepEqual(
			await problemsOf({
				// The table stands under the next heading, where the report would not look for it.
				'report.mdx': templatePage(
					TEMPLATE.replace('| Time | Event |\n|---|---|\n| HH:MM | Alert |', 'Below.').replace(
						'[Why.]',
						'| Time | Event |\n|---|---|',
					),
				),
			}),
			[
				'content/report.mdx:11:1: "Timeline (UTC)" is followed by no table; put a table like | Time | Event | under it, which the report fills',
			],
		);
	});

	it('is one in the site', async () => {
		assert.deepEqual(
			await problemsOf({
				'report.mdx': templatePage(TEMPLATE),
				'z-other.mdx': templatePage(TEMPLATE),
			}),
			[
				'content/z-other.mdx:6:1: a site has one report template; the first is at content/report.mdx:6',
			],
		);
	});
});
