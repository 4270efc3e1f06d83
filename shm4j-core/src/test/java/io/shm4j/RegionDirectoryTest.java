package io.shm4j;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The region directory (FORMAT.md section 1): every directory created, intermediate ones too,
 * gets the mode of the file mode's directory mode exactly (as Python creates them), and a path
 * that cannot be a directory is named as such.
 */
class RegionDirectoryTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @Test
    void everyDirectoryCreatedGetsTheModeExactly() throws Exception {
        Path nested = dir.path().resolve("a/b/c");
        SharedObject.master("t", ShmOptions.defaults().withDirectory(nested)).close();
        for (Path d : new Path[] {dir.path().resolve("a"), dir.path().resolve("a/b"), nested}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).as(d.toString()).isEqualTo("rwx------");
        }
        Path group = dir.path().resolve("g/h");
        SharedObject.master("t", ShmOptions.defaults().withDirectory(group).withFileMode(ShmOptions.FileMode.GROUP_WRITE)).close();
        for (Path d : new Path[] {dir.path().resolve("g"), group}) { // not reduced by a umask of 022
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).as(d.toString()).isEqualTo("rwxrwx---");
        }
    }

    @Test
    void aPathThroughARegularFileIsNamedAsSuch() throws Exception {
        Path file = Files.writeString(dir.path().resolve("plain"), "x");
        assertThatThrownBy(() -> SharedObject.master("t", ShmOptions.defaults().withDirectory(file.resolve("sub"))))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("cannot use it as the region directory: " + file + " exists and is not a directory");
        assertThatThrownBy(() -> MappedRegion.create("t", 8, ShmOptions.defaults().withDirectory(file)))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("cannot use it as the region directory: it exists and is not a directory");
    }
}
