(function () {
  "use strict";
  var cfg = window.ISLANDCARE || {};
  var map = window[cfg.map];
  if (!(map instanceof L.Map)) {  // folium names the map map_<id>: find it if renamed
    map = Object.keys(window)
      .map(function (k) { try { return window[k]; } catch (e) { return null; } })
      .filter(function (v) { return v instanceof L.Map; })[0];
  }
  var $ = function (id) { return document.getElementById(id); };
  var result = $("ic-result"), kindSel = $("ic-kind");
  var layer = L.layerGroup().addTo(map);
  var seq = 0;
  map.invalidateSize();

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function show(box, nodes) {
    box.textContent = "";
    nodes.forEach(function (n) { box.appendChild(n); });
  }
  function post(url, body, headers) {
    return fetch(url, {method: "POST", body: body, headers: headers}).then(function (r) {
      return r.json()
        .catch(function () { return {error: "The server answered " + r.status + "."}; })
        .then(function (data) { data._status = r.status; return data; });
    });
  }

  map.on("click", function (e) {
    var kind = kindSel.value, lon = e.latlng.lng, lat = e.latlng.lat, mine = ++seq;
    var label = kindSel.options[kindSel.selectedIndex].text;
    var where = lon.toFixed(5) + ", " + lat.toFixed(5);
    layer.clearLayers();
    L.circleMarker(e.latlng, {radius: 7, color: "#e41a1c", weight: 3, fillColor: "#fff",
                              fillOpacity: 1, interactive: false}).addTo(layer);
    show(result, [el("div", "Checking a " + label + " at " + where + " …", "ic-note")]);
    post("/api/check-site", JSON.stringify({kind: kind, lon: lon, lat: lat}),
         {"Content-Type": "application/json"}).then(function (data) {
      if (mine !== seq) return;
      if (data.error) {
        show(result, [el("div", data.error, "ic-error")]);
        return;
      }
      if (data.circle && data.circle.features.length) {
        var colours = ["#e41a1c", "#ff7f00", "#984ea3", "#377eb8"];
        data.circle.features.forEach(function (f, i) {
          L.geoJSON(f, {interactive: false, style: {color: colours[i % colours.length], weight: 2,
            fillOpacity: 0.2, dashArray: i ? "5 4" : null, className: "ic-new-circle"}})
            .addTo(layer);
        });
      }
      var items = el("ul");
      data.lines.forEach(function (line) { items.appendChild(el("li", line)); });
      var nodes = [el("div", "A " + label + " at " + where + " (" + data.ms + " ms):"), items];
      if (data.circle && data.circle.features.length) {
        nodes.push(el("div", "Drawn: the land this site reaches — " +
          data.circle.features.map(function (f) { return f.properties.text; }).join("; ") + ".",
          "ic-note"));
      }
      show(result, nodes);
    }).catch(function (err) {
      if (mine === seq) show(result, [el("div", "No answer from the server: " + err, "ic-error")]);
    });
  });

  $("ic-file").addEventListener("change", function () {
    var file = this.files[0], box = $("ic-validation");
    if (!file) return;
    var max = Number(this.dataset.maxBytes) * 1024 * 1024;
    if (file.size > max) {
      var big = file.name + " is larger than " + this.dataset.maxBytes + " MB.";
      show(box, [el("div", big, "ic-error")]);
      return;
    }
    show(box, [el("div", "Checking " + file.name + " …", "ic-note")]);
    post("/api/validate?crs=" + encodeURIComponent($("ic-crs").value), file,
         {"X-Filename": encodeURIComponent(file.name), "Content-Type": "application/octet-stream"})
      .then(function (data) {
        if (data.error) { show(box, [el("div", data.error, "ic-error")]); return; }
        var list = el("ul");
        data.problems.forEach(function (p) {
          var where = [p.row !== null ? "row " + p.row : null,
                       p.column !== null ? "column '" + p.column + "'" : null]
                      .filter(Boolean).join(", ");
          list.appendChild(el("li", p.severity + ": " + (where ? where + ": " : "") + p.message,
                              "ic-" + p.severity));
        });
        show(box, [el("div", data.summary, data.ok ? "ic-ok" : "ic-error"), list]);
      }).catch(function (err) {
        show(box, [el("div", "No answer from the server: " + err, "ic-error")]);
      });
  });
})();
