// shape.mjs checks a raw JSON response against the model the SDK declares
// for it. The SDK's generated TypeScript declarations
// (node_modules/svix/dist/models/*.d.ts) mark each field required or
// optional (`?:`) and nullable (`| null`), so they are the client's own
// statement of what it relies on. The SDK's deserializers do not check any
// of it (a missing field just becomes undefined), which is why the tour
// reads the raw body instead of trusting "it did not throw".

import { readFileSync, existsSync } from "node:fs";

const modelsDir = new URL("../node_modules/svix/dist/models/", import.meta.url);
const cache = new Map();

// model loads and parses one model declaration, null when the SDK has no
// file of that name (the name is then not a model: a typo in the tour).
function model(name) {
	if (cache.has(name)) return cache.get(name);
	const file = new URL(`${name[0].toLowerCase()}${name.slice(1)}.d.ts`, modelsDir);
	let parsed = null;
	if (existsSync(file)) {
		parsed = parseDeclaration(name, readFileSync(file, "utf8"));
	}
	cache.set(name, parsed);
	return parsed;
}

// parseDeclaration reads `export interface Name { field?: type; ... }` or
// `export declare enum Name { A = "a", ... }`. The generated files are
// regular: one field per line at four spaces, inline map types spanning
// a few lines, comments in /** */ blocks.
function parseDeclaration(name, text) {
	text = text.replace(/\/\*\*[\s\S]*?\*\//g, "");
	const enumMatch = text.match(new RegExp(`export declare enum ${name} \\{([\\s\\S]*?)\\n\\}`));
	if (enumMatch) {
		const values = [];
		for (const m of enumMatch[1].matchAll(/=\s*("([^"]*)"|-?\d+)/g)) {
			values.push(m[2] !== undefined ? m[2] : Number(m[1]));
		}
		return { kind: "enum", values };
	}
	const typeMatch = text.match(new RegExp(`export type ${name} = ([^;]+);`));
	if (typeMatch) return { kind: "alias", type: typeMatch[1].trim() };
	const ifaceMatch = text.match(new RegExp(`export interface ${name} \\{([\\s\\S]*?)\\n\\}`));
	if (!ifaceMatch) return null;
	const fields = {};
	const lines = ifaceMatch[1].split("\n");
	for (let i = 0; i < lines.length; i++) {
		const m = lines[i].match(/^ {4}([A-Za-z0-9_]+)(\?)?: (.*)$/);
		if (!m) continue;
		let type = m[3];
		// An inline object type continues until the line that closes it.
		const open = (t) => (t.match(/\{/g) || []).length - (t.match(/\}/g) || []).length;
		while ((open(type) > 0 || !type.endsWith(";")) && i + 1 < lines.length) {
			i++;
			type += ` ${lines[i].trim()}`;
		}
		fields[m[1]] = { optional: m[2] === "?", type: type.replace(/;$/, "").trim() };
	}
	return { kind: "interface", fields };
}

// splitUnion splits "A | B | null" at the top level (not inside braces).
function splitUnion(type) {
	const parts = [];
	let depth = 0;
	let cur = "";
	for (let i = 0; i < type.length; i++) {
		const ch = type[i];
		if (ch === "{" || ch === "<" || ch === "(") depth++;
		if (ch === "}" || ch === ">" || ch === ")") depth--;
		if (depth === 0 && type.startsWith(" | ", i)) {
			parts.push(cur.trim());
			cur = "";
			i += 2;
			continue;
		}
		cur += ch;
	}
	parts.push(cur.trim());
	return parts;
}

// serverFields are fields that Svix's server spec (server/openapi.json of
// v1.99.1, Hookline's contract) defines on a model but this SDK's model
// lacks: the server serialises an endpoint's filter as eventTypes, the
// SDK reads filterTypes. Hookline sends both; the SDK ignores the other.
const serverFields = {
	EndpointOut: ["eventTypes"],
	MessageEndpointOut: ["eventTypes"],
};

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

// checkType returns the problems of value against a TypeScript type
// expression of the SDK's declarations; path names the value in messages.
function checkType(value, type, path, problems) {
	const alternatives = splitUnion(type);
	if (alternatives.length > 1) {
		if (value === null && alternatives.includes("null")) return;
		const nonNull = alternatives.filter((a) => a !== "null");
		// Try each alternative; keep the problems of the closest one.
		let best = null;
		for (const alt of nonNull) {
			const p = [];
			checkType(value, alt, path, p);
			if (p.length === 0) return;
			if (best === null || p.length < best.length) best = p;
		}
		problems.push(...best);
		return;
	}
	type = alternatives[0];
	if (value === null) {
		problems.push(`${path} is null, the SDK's model says ${type}`);
		return;
	}
	if (type === "any" || type === "unknown") return;
	if (type === "string" || type === "number" || type === "boolean") {
		if (typeof value !== type) problems.push(`${path} is ${JSON.stringify(value)}, want a ${type}`);
		return;
	}
	if (type === "Date") {
		if (typeof value !== "string" || !rfc3339.test(value) || Number.isNaN(Date.parse(value))) {
			problems.push(`${path} is ${JSON.stringify(value)}, want an RFC 3339 date-time`);
		}
		return;
	}
	if (/^"[^"]*"$/.test(type)) {
		if (value !== type.slice(1, -1)) problems.push(`${path} is ${JSON.stringify(value)}, want ${type}`);
		return;
	}
	if (type.endsWith("[]")) {
		if (!Array.isArray(value)) {
			problems.push(`${path} is ${JSON.stringify(value)}, want an array`);
			return;
		}
		value.forEach((v, i) => checkType(v, type.slice(0, -2), `${path}[${i}]`, problems));
		return;
	}
	const map = type.match(/^\{ \[key: string\]: (.*); \}$/);
	if (map) {
		if (typeof value !== "object" || Array.isArray(value)) {
			problems.push(`${path} is ${JSON.stringify(value)}, want an object`);
			return;
		}
		for (const [k, v] of Object.entries(value)) checkType(v, map[1], `${path}.${k}`, problems);
		return;
	}
	const m = model(type);
	if (m === null) {
		problems.push(`${path}: the tour does not know the type ${type}`);
		return;
	}
	if (m.kind === "enum") {
		if (!m.values.includes(value)) problems.push(`${path} is ${JSON.stringify(value)}, want one of ${JSON.stringify(m.values)} (${type})`);
		return;
	}
	if (m.kind === "alias") {
		checkType(value, m.type, path, problems);
		return;
	}
	if (typeof value !== "object" || Array.isArray(value)) {
		problems.push(`${path} is ${JSON.stringify(value)}, want a ${type} object`);
		return;
	}
	for (const [field, spec] of Object.entries(m.fields)) {
		if (!(field in value)) {
			if (!spec.optional) problems.push(`${path}.${field} is missing (required by ${type})`);
			continue;
		}
		checkType(value[field], spec.type, `${path}.${field}`, problems);
	}
	for (const field of Object.keys(value)) {
		if (field in m.fields) continue;
		if (serverFields[type]?.includes(field)) {
			checkType(value[field], "string[] | null", `${path}.${field}`, problems);
			continue;
		}
		problems.push(`${path}.${field} is not a field of ${type}`);
	}
}

// shapeProblems lists how value differs from the SDK's model named name:
// required fields missing, fields of the wrong type, fields the model does
// not have. An empty list means the value is exactly of that shape.
export function shapeProblems(value, name) {
	const problems = [];
	checkType(value, name, name, problems);
	return problems;
}
