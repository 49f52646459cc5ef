document.getElementById("test-page").dataset.loaded = "yes";
