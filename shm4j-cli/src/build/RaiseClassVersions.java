import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URI;
import java.net.URLClassLoader;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Build step of shm4j-cli (run by the JDK's source launcher from its pom): rewrites the class
 * files of a jar compiled for Java 5 or older (class-file version below 50, e.g. picocli's) to
 * version 50 with stack maps generated, in place.
 *
 * <p>Why: the JVM's ahead-of-time cache ({@code -XX:AOTCache}, JDK 24+) and CDS skip such "old"
 * classes ("Old class has been linked"), so picocli's ~170 classes would be loaded, parsed and
 * verified on every start of the CLI. Version 50 classes carry stack maps and are cached like
 * the rest. The bytecode itself is not changed.
 *
 * <p>Usage: {@code java RaiseClassVersions.java JAR [CLASSPATH_JAR...]}; the other jars only
 * resolve the class hierarchy the stack maps need.
 */
public final class RaiseClassVersions {
    private static final int TARGET = ClassFile.JAVA_6_VERSION;

    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]);
        URLClassLoader hierarchy = new URLClassLoader(Stream.of(args).map(a -> toUrl(Path.of(a))).toArray(java.net.URL[]::new),
                ClassLoader.getPlatformClassLoader());
        ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                        .orElse(ClassHierarchyResolver.ofResourceParsing(hierarchy))));
        int raised = 0;
        try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + jar.toUri()), Map.of())) {
            List<Path> classes;
            try (Stream<Path> all = Files.walk(zip.getPath("/"))) {
                classes = all.filter(p -> p.toString().endsWith(".class")).toList();
            }
            for (Path p : classes) {
                byte[] bytes = Files.readAllBytes(p);
                ClassModel model = cf.parse(bytes);
                if (model.majorVersion() >= TARGET) {
                    continue;
                }
                // Transforming every method's code makes the library rebuild each Code
                // attribute, with the stack maps version 50 requires.
                byte[] out = cf.transformClass(model, ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                        .andThen(ClassTransform.endHandler(b -> b.withVersion(TARGET, 0))));
                Files.write(p, out);
                raised++;
            }
        }
        System.out.println("RaiseClassVersions: " + raised + " classes of " + jar.getFileName() + " raised to class-file version " + TARGET);
    }

    private static java.net.URL toUrl(Path p) {
        try {
            return p.toUri().toURL();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
