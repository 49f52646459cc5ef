package dev.regatta.stack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regatta.pki.KeyMaterial;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The web console in a real browser: Debian's chromium, headless, through its chromedriver (Selenium downloads
 * nothing). {@code regatta up} runs as a process with WireMock as STS; the test signs in with the admin password
 * {@code regatta up} keeps in its data directory, makes a file system and a grant through the console, mounts
 * through the API with an STS proof like mount.regatta, and reads the outcome (the mount, the audit log) back in
 * the console. Screenshots of the main pages, desktop and phone sized, go to {@code target/screenshots/}.
 * <p>
 * Skipped only when {@code /usr/bin/chromium} is absent and {@code REGATTA_REQUIRE_BROWSER} is unset; CI sets it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf(value = "browserPresentOrRequired", disabledReason = "SKIPPED: the web console's browser test needs "
        + "Debian's chromium at /usr/bin/chromium (apt-get install chromium chromium-driver); set "
        + "REGATTA_REQUIRE_BROWSER=1 to make its absence a failure")
class ConsoleBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final List<String> CHROMIUM_ARGUMENTS = List.of("--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run");

    private static final Duration START = Duration.ofMinutes(3);
    private static final Duration UI = Duration.ofSeconds(30);
    private static final String ACCOUNT = "123456789012";
    private static final String ROLE = "arn:aws:iam::" + ACCOUNT + ":role/console-app";
    private static final String SESSION = "arn:aws:sts::" + ACCOUNT + ":assumed-role/console-app/i-0browsertest";
    private static final AwsBasicCredentials CALLER = AwsBasicCredentials.create("AKIACONSOLETEST00001",
            "console-test-secret-key");
    private static final Pattern SIGN_IN_LINE = Pattern.compile("regatta: console sign-in (\\S+) / (\\S+)(?: .*)?");
    private static final String FS_NAME = "browser-test";
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");

    private StubSts sts;
    private RegattaUp up;
    private Api api;
    private String console;
    private String adminUser;
    private String adminPassword;
    private String bucketName;
    private String s3Endpoint;
    private ChromeDriverService service;
    private ChromeDriver browser;
    private WebDriverWait wait;
    private String fsId;

    /** Skip only when there is no chromium and nobody asked for the test to run (CI does). */
    static boolean browserPresentOrRequired() {
        String required = System.getenv("REGATTA_REQUIRE_BROWSER");
        if (Files.isExecutable(CHROMIUM) || (required != null && !required.isBlank())) {
            return true;
        }
        System.err.println("SKIPPED ConsoleBrowserTest: no chromium at " + CHROMIUM + " and REGATTA_REQUIRE_BROWSER "
                + "unset (apt-get install chromium chromium-driver)");
        return false;
    }

    /** The control plane's log in up's data directory, copied to target/ when the class ends. */
    private Path controlPlaneLog;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            fail("ConsoleBrowserTest needs Debian's chromium at " + CHROMIUM + " (apt-get install chromium "
                    + "chromium-driver); REGATTA_REQUIRE_BROWSER is set, so its absence is a failure, not a skip");
        }
        if (!Files.isExecutable(CHROMEDRIVER)) {
            fail("chromium is installed but its driver is not at " + CHROMEDRIVER + ": apt-get install chromium-driver");
        }
        Files.createDirectories(SCREENSHOTS);

        sts = StubSts.start().answer(CALLER.accessKeyId(), Optional.empty(), SESSION, ACCOUNT);

        Path data = dir.resolve("data");
        controlPlaneLog = data.resolve("control-plane.log");
        up = RegattaUp.start(dir.resolve("up.log"), sts.allowedByTheControlPlane(),
                "--data-dir", data.toString(), "--s3-port", "0", "--api-port", "0", "--nfs-port", "0",
                "--tls-port", "0", "--metrics-port", "0", "--quiet-period", "1s");
        up.awaitLine("regatta: ready", START);
        Matcher apiLine = up.seenLine(RegattaUp.API_LINE);
        api = new Api(URI.create(apiLine.group(1)), apiLine.group(2));
        Matcher s3 = up.seenLine(RegattaUp.S3_LINE);
        s3Endpoint = s3.group(1);
        bucketName = s3.group(2);
        console = up.seenLine(RegattaUp.CONSOLE_LINE).group(1);
        // The control plane keeps the generated password in its data directory (security/AdminAccount).
        adminPassword = Files.readString(data.resolve("control-plane/admin-password")).strip();
        Matcher signIn = up.seenLine(SIGN_IN_LINE);
        adminUser = signIn.group(1);
        assertThat(signIn.group(2)).as("the password regatta up prints").isEqualTo(adminPassword);

        ChromeOptions chrome = new ChromeOptions();
        chrome.setBinary(CHROMIUM.toFile());
        chrome.addArguments(CHROMIUM_ARGUMENTS);
        chrome.addArguments("--window-size=1280,900");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        chrome.setCapability(ChromeOptions.LOGGING_PREFS, logs);
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .build();
        browser = new ChromeDriver(service, chrome);
        wait = new WebDriverWait(browser, UI) {
            @Override
            protected RuntimeException timeoutException(String message, Throwable lastException) {
                // What the page showed, so that a failure says more than "element not found".
                return super.timeoutException(message + "\npage " + browser.getCurrentUrl() + " showed:\n"
                        + browser.findElement(By.tagName("body")).getText() + "\nbrowser console:\n"
                        + browserLog(), lastException);
            }
        };
        wait.ignoring(StaleElementReferenceException.class);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.quit();
            }
            if (service != null) {
                service.stop();
            }
        } finally {
            try {
                if (up != null) {
                    up.close();
                }
            } finally {
                // The temporary directory goes with the class; the control plane's log stays for a failure's reader
                // (a 500 names a reference whose cause is only there).
                try {
                    if (controlPlaneLog != null && Files.exists(controlPlaneLog)) {
                        Files.copy(controlPlaneLog, Path.of("target", "console-browser-control-plane.log"),
                                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                } finally {
                    if (sts != null) {
                        sts.close();
                    }
                }
            }
        }
    }

    @Test
    @Order(1)
    void aWrongPasswordIsRefusedInWords() throws Exception {
        browser.get(console);
        WebElement form = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-form")));
        screenshot("sign-in");
        type(By.id("sign-in-username"), adminUser);
        type(By.id("sign-in-password"), "not-the-password");
        form.findElement(By.cssSelector("button[type=submit]")).click();
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#sign-in-form .message.error")));
        assertThat(error.getText()).containsIgnoringCase("wrong username or password");
        assertThat(browser.findElement(By.id("nav")).isDisplayed()).isFalse();
    }

    @Test
    @Order(2)
    void theAdminSignsInAndSeesTheDemoFileSystem() throws Exception {
        type(By.id("sign-in-password"), adminPassword);
        browser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBe(By.id("account-name"), adminUser));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("file-system-list"), "demo"));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#file-system-list .badge[data-state]")));
        screenshot("file-systems");
    }

    @Test
    @Order(3)
    void aFileSystemIsCreatedInTheConsole() throws Exception {
        browser.findElement(By.id("new-file-system")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("file-system-form")));
        type(By.id("fs-name"), FS_NAME);
        type(By.id("fs-bucket"), bucketName);
        type(By.id("fs-region"), "us-east-1");
        type(By.id("fs-endpoint"), s3Endpoint);
        type(By.id("fs-prefix"), "console/");
        screenshot("file-system-form");
        browser.findElement(By.cssSelector("#file-system-form button[type=submit]")).click();

        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("file-system-list"), FS_NAME));
        JsonNode created = null;
        for (JsonNode fs : api.get("/api/v1/file-systems").body()) {
            if (fs.path("name").asText().equals(FS_NAME)) {
                created = fs;
            }
        }
        assertThat(created).as("the file system made in the console, through the API").isNotNull();
        fsId = created.path("id").asText();
        assertThat(created.path("keyPrefix").asText()).isEqualTo("console/");
        assertThat(created.path("endpoint").asText()).isEqualTo(s3Endpoint);
        assertThat(browser.findElement(By.cssSelector("[data-fs-id='" + fsId + "']")).getText()).contains(FS_NAME);

        browser.findElement(By.cssSelector("a[aria-label='Edit " + FS_NAME + "']")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("fs-file-mode"), "value", "0644"));
        type(By.id("fs-flush-delay"), "120");
        type(By.id("fs-dir-mode"), "0750");
        browser.findElement(By.cssSelector("#file-system-form button[type=submit]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("file-system-list")));
        JsonNode edited = api.get("/api/v1/file-systems/" + fsId).body();
        assertThat(edited.path("flushDelaySeconds").asInt()).isEqualTo(120);
        assertThat(edited.path("defaultDirMode").asInt()).isEqualTo(0750);
        assertThat(edited.path("defaultFileMode").asInt()).as("unchanged").isEqualTo(0644);
    }

    @Test
    @Order(4)
    void aRoleIsGrantedInTheConsoleAfterABadArnIsCaughtInTheBrowser() throws Exception {
        browser.findElement(By.cssSelector("a[aria-label='Access to " + FS_NAME + "']")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("grant-form")));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("grant-list"), "No grants"));

        type(By.id("grant-principal"), "arn:aws:iam::1234:role/console-app");
        browser.findElement(By.cssSelector("#grant-form button[type=submit]")).click();
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#grant-form .message.error")));
        assertThat(error.getText()).contains("neither a 12-digit account ID nor an IAM role or user ARN");
        assertThat(api.get("/api/v1/file-systems/" + fsId + "/grants").body()).as("nothing sent").isEmpty();

        type(By.id("grant-principal"), ROLE);
        new Select(browser.findElement(By.id("grant-access"))).selectByValue("READ_WRITE");
        browser.findElement(By.cssSelector("#grant-form button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("grant-list"), ROLE));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("mount-command"), fsId));
        assertThat(browser.findElement(By.id("mount-command")).getText())
                .isEqualTo("sudo mount -t regatta " + fsId + " /mnt/" + FS_NAME);
        browser.findElement(By.cssSelector("button[aria-label='Copy the mount command']")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#mount-command-area .copy-status"),
                "Copied."));

        // The same principal twice: the server's 409 is shown in words.
        type(By.id("grant-principal"), ROLE);
        browser.findElement(By.cssSelector("#grant-form button[type=submit]")).click();
        WebElement conflict = wait.until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#grant-form .message.error")));
        assertThat(conflict.getText()).contains("already grants " + ROLE);
        screenshot("access");
    }

    @Test
    @Order(5)
    void aMountThroughTheApiShowsInTheHealthPageAndTheAuditLog() throws Exception {
        Api.Answer mount = api.postAnonymous("/api/v1/mounts", mountRequest());
        assertThat(mount.status()).as("%s", mount.body()).isEqualTo(201);
        String mountId = mount.body().path("mountId").asText();

        browser.get(console + "#/file-systems/" + fsId + "/health");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("mount-list"), SESSION));
        assertThat(browser.findElement(By.id("mount-list")).getText()).contains(mountId, "127.0.0.1");
        WebElement allowed = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//div[@id='audit-events']//tr[.//*[@data-decision='ALLOWED']]")));
        assertThat(allowed.getText()).contains(SESSION, "mount " + mountId, "by grant");
        // The charts come from the history endpoint; the node reports every 10 s, so the first sample is near.
        new WebDriverWait(browser, Duration.ofSeconds(60)).ignoring(StaleElementReferenceException.class).until(
                ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#chart-dirty .chart-latest"),
                        "Latest"));
        for (String chart : List.of("chart-oldest", "chart-cache", "chart-hit-ratio", "chart-s3", "chart-nfs")) {
            assertThat(browser.findElements(By.id(chart))).as(chart).hasSize(1);
        }
        assertThat(browser.findElements(By.cssSelector("#main .message.error"))).as("errors on the health page")
                .isEmpty();
        screenshot("health");
    }

    @Test
    @Order(6)
    void aGrantRevokedInTheConsoleRefusesTheNextMountAndTheAuditLogSaysWhy() throws Exception {
        browser.get(console + "#/file-systems/" + fsId + "/access");
        WebElement remove = wait.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("button[aria-label='Remove the grant of " + ROLE + "']")));
        remove.click();
        wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//button[normalize-space()='Remove grant']")))
                .click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("grant-list"), "No grants"));
        assertThat(api.get("/api/v1/file-systems/" + fsId + "/grants").body()).isEmpty();

        Api.Answer refused = api.postAnonymous("/api/v1/mounts", mountRequest());
        assertThat(refused.status()).as("%s", refused.body()).isEqualTo(403);

        browser.get(console + "#/audit");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("audit-filter")));
        new Select(browser.findElement(By.id("audit-decision"))).selectByValue("REFUSED");
        type(By.id("audit-principal"), "console-app");
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#audit-file-system option[value='" + fsId + "']")));
        new Select(browser.findElement(By.id("audit-file-system"))).selectByValue(fsId);
        browser.findElement(By.cssSelector("#audit-filter button[type=submit]")).click();
        By allowedRows = By.xpath("//div[@id='audit-events']//tr[.//*[@data-decision='ALLOWED']]");
        By refusedRows = By.xpath("//div[@id='audit-events']//tr[.//*[@data-decision='REFUSED']]");
        // The filtered answer replaces the page's first, unfiltered one (which has the earlier admitted mount).
        String row = wait.until(d -> d.findElements(allowedRows).isEmpty() && !d.findElements(refusedRows).isEmpty()
                ? d.findElements(refusedRows).get(0).getText() : null);
        assertThat(row).contains(SESSION, fsId).containsIgnoringCase("grant");
        screenshot("audit");
    }

    @Test
    @Order(7)
    void anApiTokenIsShownOnceAndRevoked() throws Exception {
        browser.get(console + "#/tokens");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-form")));
        type(By.id("token-name"), "browser test token");
        browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        WebElement secret = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("new-token-secret")));
        String token = secret.getText();
        assertThat(token).startsWith("rgt_");
        assertThat(browser.findElement(By.id("new-token-area")).getText()).contains("you will not see it again");
        assertThat(new Api(api.base(), token).get("/api/v1/session").body().path("name").asText())
                .isEqualTo("browser test token");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("token-list"), "browser test token"));
        screenshot("tokens");

        browser.findElement(By.xpath("//button[normalize-space()='I have saved it']")).click();
        assertThat(browser.findElements(By.id("new-token-secret"))).as("shown once").isEmpty();
        browser.findElement(By.cssSelector("button[aria-label='Revoke browser test token']")).click();
        wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//button[normalize-space()='Revoke token']")))
                .click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("token-list"), "Revoked"));
        assertThat(new Api(api.base(), token).get("/api/v1/file-systems").status()).isEqualTo(401);
    }

    @Test
    @Order(8)
    void onAPhoneThePagesFitTheScreen() throws Exception {
        browser.manage().window().setSize(new Dimension(375, 812));
        Map<String, String> pages = new LinkedHashMap<>();
        pages.put("file-systems", "#/file-systems");
        pages.put("access", "#/file-systems/" + fsId + "/access");
        pages.put("health", "#/file-systems/" + fsId + "/health");
        pages.put("tokens", "#/tokens");
        for (Map.Entry<String, String> page : pages.entrySet()) {
            browser.get(console + page.getValue());
            wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#main h1")));
            wait.until(d -> d.findElements(By.cssSelector("#main .loading")).isEmpty());
            assertNoHorizontalOverflow(page.getKey());
            screenshot(page.getKey() + "-phone");
        }
    }

    @Test
    @Order(9)
    void deletingAMountedFileSystemNeedsASecondForcedConfirmation() throws Exception {
        browser.get(console + "#/file-systems");
        WebElement delete = wait.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("button[aria-label='Delete " + FS_NAME + "']")));
        delete.click();
        WebElement confirm = wait.until(ExpectedConditions.elementToBeClickable(
                By.xpath("//div[@class='confirm']/button[normalize-space()='Delete']")));
        assertThat(browser.switchTo().activeElement()).as("the confirm button has the focus").isEqualTo(confirm);
        confirm.click();
        // Still mounted (the first mount's session is live): the 409 is shown, and a forced delete is offered.
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#main .message.error")));
        assertThat(error.getText()).contains("409");
        wait.until(ExpectedConditions.elementToBeClickable(By.xpath("//button[normalize-space()='Delete anyway']")))
                .click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#main .message.success")));
        wait.until(ExpectedConditions.not(ExpectedConditions.textToBePresentInElementLocated(
                By.id("file-system-list"), FS_NAME)));
        assertThat(api.get("/api/v1/file-systems/" + fsId).status()).isEqualTo(404);
    }

    @Test
    @Order(10)
    void aSessionThatEndedLeadsBackToTheSignInPage() throws Exception {
        browser.get(console + "#/tokens");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-form")));
        browser.manage().deleteCookieNamed("REGATTA_SESSION");
        type(By.id("token-name"), "made after the session ended");
        browser.findElement(By.cssSelector("#token-form button[type=submit]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-form")));
        assertThat(browser.findElement(By.id("main")).getText()).contains("Your session has ended");
        assertThat(browser.findElement(By.id("nav")).isDisplayed()).isFalse();

        type(By.id("sign-in-password"), adminPassword);
        browser.findElement(By.cssSelector("#sign-in-form button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBe(By.id("account-name"), adminUser));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-form")));
    }

    @Test
    @Order(11)
    void signingOutReturnsToTheSignInPage() throws Exception {
        browser.get(console + "#/file-systems");
        wait.until(ExpectedConditions.elementToBeClickable(By.id("sign-out"))).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-form")));
        assertNoHorizontalOverflow("sign-in");
        screenshot("sign-in-phone");
        browser.navigate().refresh();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-form")));
        browser.manage().window().setSize(new Dimension(1280, 900));
    }

    private void assertNoHorizontalOverflow(String page) {
        JavascriptExecutor js = browser;
        Number scrollWidth = (Number) js.executeScript("return document.documentElement.scrollWidth;");
        Number viewport = (Number) js.executeScript("return document.documentElement.clientWidth;");
        Object wide = js.executeScript("""
                const limit = document.documentElement.clientWidth;
                return [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > limit + 0.5)
                    .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 60));""");
        assertThat(scrollWidth.intValue()).as("%s page's width at 375 px (viewport %s); too wide: %s", page, viewport,
                wide).isLessThanOrEqualTo(viewport.intValue());
    }

    private String browserLog() {
        StringBuilder text = new StringBuilder();
        for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
            text.append(entry.getLevel()).append(' ').append(entry.getMessage()).append('\n');
        }
        return text.toString();
    }

    private void type(By field, String text) {
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(field));
        input.clear();
        input.sendKeys(text);
    }

    /** The whole page, not just the window (through DevTools); the window alone if that fails. */
    private void screenshot(String name) throws Exception {
        byte[] png;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> metrics = (Map<String, Object>) browser.executeCdpCommand("Page.getLayoutMetrics",
                    Map.of());
            @SuppressWarnings("unchecked")
            Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
            Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", size.get("width"),
                    "height", Math.min(((Number) size.get("height")).doubleValue(), 6000), "scale", 1);
            Map<String, Object> shot = browser.executeCdpCommand("Page.captureScreenshot",
                    Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
            png = Base64.getDecoder().decode((String) shot.get("data"));
        } catch (RuntimeException e) {
            png = browser.getScreenshotAs(OutputType.BYTES);
        }
        Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    }

    private Map<String, Object> mountRequest() throws Exception {
        String serverId = api.get("/api/v1/service").body().path("serverId").asText();
        return StsProof.mountRequest(CALLER, sts.endpoint(), serverId, fsId, "READ_WRITE", KeyMaterial.generate());
    }
}
