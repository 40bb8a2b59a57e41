/**
 * What an incident needs from the runbooks' own pages: the severity levels with their response
 * times, the escalation rules, and the post-incident report template. Read from the content, so a
 * team that edits its severity table or its template changes what Opsbook does.
 *
 * Browser-safe types; the readers take a parsed page.
 */

/** One row of the severity table. */
export interface SeverityLevel {
	/** 1 is SEV-1, the worst. */
	level: number;
	/** `Platform down, all users affected`. */
	definition: string;
	/** `API unreachable, database down, server unresponsive`, when the table has the column. */
	examples?: string;
	/** The response time as written: `< 15 min`. */
	responseTime: string;
	/** The same in minutes: 15. */
	responseMinutes: number;
	/** `Immediate page`, when the table has the column. */
	notification?: string;
}

/** An escalation rule: `<Escalate from={2} to={1} after="2 hours" />`. */
export interface EscalationRule {
	from: number;
	to: number;
	/** For a rule on time: escalate if the incident is not resolved this many minutes after detection. */
	afterMinutes?: number;
	/** For a rule on judgement: `it trends toward impacting users`. */
	when?: string;
	/** The sentence the page shows: `If a SEV-2 is not resolved within 2 hours, escalate to SEV-1.` */
	text: string;
}

/** The post-incident report template: the Markdown of a ```` ```md report-template ```` fence. */
export interface ReportTemplate {
	markdown: string;
	/** Where it is written (relative to the project root), and the page's slug. */
	file: string;
	line: number;
	page: string;
}

/** Everything an incident reads from the site, as the build and the bridge load it. */
export interface IncidentContent {
	/** The slug of the page holding the severity table, when the site has one. */
	severityPage?: string;
	levels: SeverityLevel[];
	escalation: EscalationRule[];
	template?: ReportTemplate;
}
