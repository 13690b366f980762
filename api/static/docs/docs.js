// Starts Swagger UI for /docs. A static file, not an inline script, so the page runs under a CSP with
// script-src 'self'. The schema's URL comes from the page's data attribute; nothing is loaded from elsewhere
// (validatorUrl: null keeps Swagger UI from calling the public validator).
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    persistAuthorization: false,
  });
});
