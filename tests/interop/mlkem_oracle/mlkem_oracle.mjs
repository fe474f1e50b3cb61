// The independent side of tests/interop/mlkem_oracle.sh: @noble/post-quantum's ml_kem768.
//   node mlkem_oracle.mjs probe MODULES_DIR          exits 0 when the library loads
//   node mlkem_oracle.mjs gen COUNT                  random inputs for mlkem768_driver, one case a line
//   node mlkem_oracle.mjs check MODULES_DIR IN OURS  recomputes every case with noble and prints
//                                                   PASS:/FAIL: lines, one per compared operation
// noble's keygen(seed) takes the 64-byte seed d || z (FIPS 203 algorithm 16's inputs in that order),
// encapsulate(ek, m) the 32-byte m of algorithm 17, decapsulate(ct, dk) implements algorithm 21.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const CT_BYTES = 1088;
const Q = 3329;

async function loadNoble(modulesDir) {
	const file = join(modulesDir, 'node_modules', '@noble', 'post-quantum', 'ml-kem.js');
	const mod = await import(pathToFileURL(file).href);
	if (!mod.ml_kem768) throw new Error(`${file} has no ml_kem768`);
	return mod.ml_kem768;
}

const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

function setCoefficient(ek, index, value) {
	const b = 3 * Math.floor(index / 2);
	if (index % 2 === 0) {
		ek[b] = value & 0xff;
		ek[b + 1] = (ek[b + 1] & 0xf0) | (value >> 8);
	} else {
		ek[b + 1] = (ek[b + 1] & 0x0f) | ((value & 0x0f) << 4);
		ek[b + 2] = value >> 4;
	}
}

function gen(count) {
	for (let i = 0; i < count; i++) {
		const badIndex = randomBytes(2).readUInt16LE() % 768;
		const badValue = Q + (randomBytes(2).readUInt16LE() % (4096 - Q));
		const fields = [randomBytes(32), randomBytes(32), randomBytes(32), randomBytes(CT_BYTES)].map(hex);
		console.log([...fields, badIndex, badValue].join(' '));
	}
}

async function check(modulesDir, inPath, oursPath) {
	const kem = await loadNoble(modulesDir);
	const inputs = readFileSync(inPath, 'utf8').trim().split('\n').map((l) => l.split(' '));
	const ours = readFileSync(oursPath, 'utf8').trim().split('\n').map((l) => l.split(' '));
	const names = {
		keygen: `mlkem768_noble_oracle keygen_derand(d, z) ek and dk (${inputs.length} seeds)`,
		encaps: `mlkem768_noble_oracle encaps_derand(ek, m) ct and K (${inputs.length} cases)`,
		decaps: `mlkem768_noble_oracle decaps of the valid ct (${inputs.length} cases)`,
		reject: `mlkem768_noble_oracle decaps of a random ct: implicit rejection key (${inputs.length} cases)`,
		modulus: `mlkem768_noble_oracle encaps rejects ek with a coefficient >= q (${inputs.length} cases)`,
	};
	const failures = Object.fromEntries(Object.keys(names).map((k) => [k, []]));
	if (ours.length !== inputs.length) {
		console.log(`FAIL: mlkem768_noble_oracle driver output (${ours.length} lines for ${inputs.length} cases)`);
		return 1;
	}
	inputs.forEach(([d, z, m, randomCt, badIndex, badValue], i) => {
		const [ek, dk, ct, k, kDecaps, kRandom, badRc] = ours[i];
		const keys = kem.keygen(unhex(d + z));
		if (hex(keys.publicKey) !== ek || hex(keys.secretKey) !== dk)
			failures.keygen.push(`case ${i}: ${hex(keys.publicKey) !== ek ? 'ek' : 'dk'} differs`);
		const enc = kem.encapsulate(keys.publicKey, unhex(m));
		if (hex(enc.cipherText) !== ct || hex(enc.sharedSecret) !== k)
			failures.encaps.push(`case ${i}: ${hex(enc.cipherText) !== ct ? 'ct' : 'K'} differs`);
		if (hex(kem.decapsulate(unhex(ct), keys.secretKey)) !== kDecaps || kDecaps !== k)
			failures.decaps.push(`case ${i}: decapsulated key differs`);
		if (hex(kem.decapsulate(unhex(randomCt), keys.secretKey)) !== kRandom)
			failures.reject.push(`case ${i}: rejection key differs`);
		const bad = Uint8Array.from(keys.publicKey);
		setCoefficient(bad, Number(badIndex), Number(badValue));
		let nobleRejects = false;
		try {
			kem.encapsulate(bad, unhex(m));
		} catch {
			nobleRejects = true;
		}
		if (!nobleRejects || badRc === '0')
			failures.modulus.push(`case ${i}: coefficient ${badIndex} = ${badValue}: noble ${nobleRejects ? 'rejects' : 'accepts'}, burrow returns ${badRc}`);
	});
	let failed = 0;
	for (const [key, name] of Object.entries(names)) {
		const f = failures[key];
		if (f.length === 0) {
			console.log(`PASS: ${name}`);
		} else {
			failed = 1;
			console.log(`FAIL: ${name} (${f.length} mismatches; first: ${f[0]})`);
		}
	}
	return failed;
}

const [mode, ...args] = process.argv.slice(2);
try {
	if (mode === 'probe') {
		await loadNoble(args[0]);
	} else if (mode === 'gen') {
		gen(Number(args[0]));
	} else if (mode === 'check') {
		process.exitCode = await check(args[0], args[1], args[2]);
	} else {
		console.error('usage: mlkem_oracle.mjs probe DIR | gen COUNT | check DIR IN OURS');
		process.exitCode = 2;
	}
} catch (e) {
	console.error(`mlkem_oracle.mjs: ${e.message}`);
	process.exitCode = 2;
}
