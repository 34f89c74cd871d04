/*
 * flame.js - the interactive part of hotpath's flame graph SVG: tooltips in
 * the details line, click to zoom, regex search, case toggle, and the zoom
 * and search state in the URL (?x=..&y=.. for the zoomed frame, s= for the
 * search term, i=1 for a case-insensitive search), as flamegraph.pl does.
 *
 * Embedded verbatim in a CDATA section by src/report/embed.py, which refuses
 * a file containing the sequence that ends one.  Parameters come from the
 * numeric data-* attributes of <g id="frames">.  Frame names, titles and the
 * search term are user text: they are only read from the DOM or the URL and
 * written back with textContent, or compiled into a RegExp; never parsed as
 * markup, never evaluated.
 *
 * Frames are the children of #frames in depth-first pre-order, each
 * <g><title>NAME (COUNT UNIT, P%)</title><rect/>[<text/>]</g>; the first is
 * the root "all".  A frame's parent is the nearest earlier frame one level
 * closer to the root, and its descendants are the frames that follow it
 * until one at its own depth or above.  Children are packed from their
 * parent's left edge in order, so a zoom lays them out exactly from counts.
 */
"use strict";

var svgns = "http://www.w3.org/2000/svg";
var frames = [];
var fh, fs, fw, xpad, fullw;
var details, unzoombtn, searchbtn, icbtn, matchedtxt;
var zoomed = -1, term = null, ignorecase = false;
var highlight = "rgb(230,0,230)";

function num(el, name) {
	return parseFloat(el.getAttribute(name));
}

/* Split a title "NAME (COUNT UNIT, P%)" whose UNIT is known: the unit and
 * the name may contain anything, so cut from the end. */
function parse_title(t, unit) {
	var k = t.lastIndexOf(", ");
	var head = t.slice(0, k - unit.length - 1);
	var j = head.lastIndexOf(" (");
	return { name: head.slice(0, j), count: parseFloat(head.slice(j + 2).replace(/,/g, "")) };
}

function init(evt) {
	var box = document.getElementById("frames");
	var gs = box.children, stack = [], unit = "", y0 = 0, i, f;

	details = document.getElementById("details");
	unzoombtn = document.getElementById("unzoom");
	searchbtn = document.getElementById("search");
	icbtn = document.getElementById("ignorecase");
	matchedtxt = document.getElementById("matched");
	fh = num(box, "data-fh");
	fs = num(box, "data-fs");
	fw = num(box, "data-fw");
	xpad = num(box, "data-xpad");
	fullw = num(document.documentElement, "width") - 2 * xpad;

	for (i = 0; i < gs.length; i++) {
		var g = gs[i], title = g.firstElementChild, rect = title.nextElementSibling;
		var text = rect.nextElementSibling, tt = title.textContent, p;

		if (i === 0) {
			/* the root: "all (COUNT UNIT, 100.00%)" tells the unit */
			var rest = tt.slice(tt.indexOf(" (") + 2);
			unit = rest.slice(rest.indexOf(" ") + 1, rest.lastIndexOf(", "));
			y0 = num(rect, "y");
		}
		p = parse_title(tt, unit);
		f = {
			g: g, rect: rect, text: text, title: tt, name: p.name, count: p.count,
			depth: Math.round(Math.abs(num(rect, "y") - y0) / fh),
			oxs: rect.getAttribute("x"), oys: rect.getAttribute("y"),
			ows: rect.getAttribute("width"), fill: rect.getAttribute("fill"),
			otxs: text ? text.getAttribute("x") : null,
			olabel: text ? text.textContent : null,
			parent: -1, end: gs.length
		};
		while (stack.length > f.depth)
			frames[stack.pop()].end = i;
		f.parent = stack.length ? stack[stack.length - 1] : -1;
		stack.push(i);
		g.hpIndex = i;
		frames.push(f);
	}

	box.addEventListener("click", function (e) {
		var i = frame_of(e.target);

		if (i < 0)
			return;
		if (i === 0)
			unzoom();
		else
			zoom(i);
		update_url();
	});
	box.addEventListener("mouseover", function (e) {
		var i = frame_of(e.target);

		if (i >= 0)
			details.textContent = "Function: " + frames[i].title;
	});
	box.addEventListener("mouseout", function () {
		details.textContent = " ";
	});
	unzoombtn.addEventListener("click", function () {
		unzoom();
		update_url();
	});
	searchbtn.addEventListener("click", search_prompt);
	icbtn.addEventListener("click", toggle_ignorecase);
	window.addEventListener("keydown", function (e) {
		if ((e.ctrlKey && e.key === "f") || e.key === "F3") {
			e.preventDefault();
			search_prompt(e);
		} else if (e.ctrlKey && e.key === "i") {
			e.preventDefault();
			toggle_ignorecase();
		} else if (e.key === "Escape") {
			reset_search();
		}
	});

	restore_state();
}

function frame_of(el) {
	while (el && el.parentNode && el.parentNode.id !== "frames")
		el = el.parentNode;
	return el && typeof el.hpIndex === "number" ? el.hpIndex : -1;
}

function restore_state() {
	var params = new URLSearchParams(window.location.search);
	var x = params.get("x"), y = params.get("y"), s = params.get("s");

	if (params.get("i") === "1")
		set_ignorecase(true);
	if (x !== null && y !== null) {
		for (var i = 1; i < frames.length; i++) {
			if (frames[i].oxs === x && frames[i].oys === y) {
				zoom(i);
				break;
			}
		}
	}
	if (s)
		search(s);
}

function update_url() {
	var params = new URLSearchParams(), q;

	if (zoomed > 0) {
		params.set("x", frames[zoomed].oxs);
		params.set("y", frames[zoomed].oys);
	}
	if (term !== null)
		params.set("s", term);
	if (ignorecase)
		params.set("i", "1");
	q = params.toString();
	try {
		history.replaceState(null, "", q ? "?" + q : window.location.pathname);
	} catch (err) {
		/* some browsers refuse to change a file: URL; the state just
		 * does not survive a reload there */
	}
}

/* Show the label that fits width w (flamegraph.pl's estimate of the glyph
 * width, so it needs no layout), creating the <text> on first use. */
function set_label(f, x, w) {
	var chars = Math.floor(w / (fs * fw)), cps;

	if (chars < 3) {
		if (f.text)
			f.text.textContent = "";
		return;
	}
	if (!f.text) {
		f.text = document.createElementNS(svgns, "text");
		f.text.setAttribute("y", (num(f.rect, "y") + (fh - 1) / 2 + 3).toFixed(1));
		f.g.appendChild(f.text);
	}
	f.text.setAttribute("x", (x + 3).toFixed(2));
	cps = Array.from(f.name);
	f.text.textContent = cps.length <= chars ? f.name : cps.slice(0, chars - 2).join("") + "..";
}

function place(f, x, w) {
	f.rect.setAttribute("x", x.toFixed(2));
	f.rect.setAttribute("width", w.toFixed(2));
	set_label(f, x, w);
}

/* Frame i fills the width; its ancestors are stretched and faded, its
 * descendants laid out from their counts, everything else hidden. */
function zoom(i) {
	var n = frames.length, mark = new Uint8Array(n), cursor = new Float64Array(n);
	var z = frames[i], scale = fullw / z.count, j, a;

	zoomed = i;
	for (a = z.parent; a >= 0; a = frames[a].parent)
		mark[a] = 2;
	for (j = i; j < z.end; j++)
		mark[j] = 1;
	for (j = 0; j < n; j++) {
		var f = frames[j], x, w;

		if (mark[j] === 0) {
			f.g.classList.add("hide");
			continue;
		}
		f.g.classList.remove("hide");
		if (mark[j] === 2) {
			f.g.classList.add("parent");
			place(f, xpad, fullw);
			continue;
		}
		f.g.classList.remove("parent");
		x = j === i ? xpad : cursor[f.parent];
		w = f.count * scale;
		if (j !== i)
			cursor[f.parent] += w;
		cursor[j] = x;
		place(f, x, w);
	}
	unzoombtn.classList.remove("hide");
	if (term !== null)
		search(term);
}

function unzoom() {
	zoomed = -1;
	for (var j = 0; j < frames.length; j++) {
		var f = frames[j];

		f.g.classList.remove("hide", "parent");
		f.rect.setAttribute("x", f.oxs);
		f.rect.setAttribute("width", f.ows);
		if (f.text) {
			if (f.olabel !== null) {
				f.text.setAttribute("x", f.otxs);
				f.text.textContent = f.olabel;
			} else {
				f.text.textContent = "";
			}
		}
	}
	unzoombtn.classList.add("hide");
	if (term !== null)
		search(term);
}

/* Highlight every frame whose name matches; "Matched" is the share of the
 * zoomed frame (or of everything) under matching frames, each sample counted
 * once even when matching frames nest. */
function search(t) {
	var re, lo, hi, base, matched = 0, mdepth = -1, j, pct;

	try {
		re = new RegExp(t, ignorecase ? "i" : "");
	} catch (err) {
		matchedtxt.textContent = "Invalid regular expression";
		return;
	}
	term = t;
	lo = zoomed >= 0 ? zoomed : 0;
	hi = zoomed >= 0 ? frames[zoomed].end : frames.length;
	base = frames.length ? frames[lo].count : 0;
	for (j = 0; j < frames.length; j++) {
		var f = frames[j], hit = re.test(f.name);

		f.rect.setAttribute("fill", hit ? highlight : f.fill);
		if (j < lo || j >= hi)
			continue;
		if (mdepth >= 0 && f.depth > mdepth)
			continue;
		mdepth = -1;
		if (hit) {
			matched += f.count;
			mdepth = f.depth;
		}
	}
	pct = base > 0 ? 100 * matched / base : 0;
	searchbtn.textContent = "Reset Search";
	searchbtn.classList.add("show");
	matchedtxt.textContent = "Matched: " + (pct === 100 ? "100" : pct.toFixed(1)) + "%";
	matchedtxt.classList.add("show");
	update_url();
}

function reset_search() {
	term = null;
	for (var j = 0; j < frames.length; j++)
		frames[j].rect.setAttribute("fill", frames[j].fill);
	searchbtn.textContent = "Search";
	searchbtn.classList.remove("show");
	matchedtxt.textContent = " ";
	matchedtxt.classList.remove("show");
	update_url();
}

function search_prompt(e) {
	var t;

	if (term !== null && !(e && e.type === "keydown")) {
		reset_search();
		return;
	}
	t = window.prompt("Enter a search term (regexp allowed, eg: ^main)" +
			  (ignorecase ? ", ignoring case" : "") +
			  "\nPress Ctrl-i to toggle case sensitivity", term !== null ? term : "");
	if (t)
		search(t);
}

function set_ignorecase(on) {
	ignorecase = on;
	if (on)
		icbtn.classList.add("show");
	else
		icbtn.classList.remove("show");
}

function toggle_ignorecase() {
	set_ignorecase(!ignorecase);
	if (term !== null)
		search(term);
	else
		update_url();
}
