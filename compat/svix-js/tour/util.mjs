// util.mjs holds the small helpers the tour's sections share.

// listAll fetches every page of a list, at most max pages (a server whose
// iterator never ends must not hang the tour).
export async function listAll(page, max = 50) {
	const pages = [];
	let iterator;
	for (let i = 0; i < max; i++) {
		const p = await page(iterator);
		pages.push(p);
		if (p.done || !p.iterator) break;
		iterator = p.iterator;
	}
	return pages;
}

// names are the names of a list of event types.
export const names = (list) => list.map((x) => x.name);

// ids are the IDs of a list of objects.
export const ids = (list) => list.map((x) => x.id);

// present drops the IDs of messages whose creation failed (and said so).
export const present = (list) => list.filter(Boolean);

// sorted returns a sorted copy, for comparing sets given as arrays.
export const sorted = (list) => [...(list ?? [])].sort();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// newSecret makes an endpoint secret in Svix's format: whsec_ and 24
// random bytes in base64.
export function newSecret() {
	return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64")}`;
}
