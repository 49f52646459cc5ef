package dev.regatta.controlplane;

import dev.regatta.pki.PrivateFiles;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The control plane: file systems, IAM grants, mount authentication, the certificate authority, node routing. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class ControlPlaneApplication {

    public static void main(String[] args) {
        // Before anything writes to the data directory (the CA key, secrets, the database).
        PrivateFiles.restrictUmask();
        // Before the slow start: a parent that dies meanwhile must not leave this process behind.
        ParentWatch.startIfRequested();
        SpringApplication.run(ControlPlaneApplication.class, args);
    }
}
